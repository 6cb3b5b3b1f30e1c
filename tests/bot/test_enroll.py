"""One-tap Offline certificate: quota, enrollment with the certificate login, KOD II that verifies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from bot.services.errors import ServiceError
from ksef.fa3 import build, invoice_from_dict
from ksef.qr import kod2_url, verify_kod2
from tests.fixtures.bot import BotHarness

PASSWORD = "Haslo-Logowania-9"
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "invoices" / "vat-payer-services.json"


async def cert_connected(bot: BotHarness, user_id: int, key_type: str = "EC") -> tuple[str, int]:
    nip, _ = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD, key_type=key_type)
    result = await bot.services.cert_login.connect_certificate(user_id, user_id, nip, issued["key"].encode(),
                                                               issued["cert"].encode(), PASSWORD)
    return nip, result.company_id


@pytest.mark.parametrize("key_type", ["EC", "RSA"])
async def test_enroll_offline_then_kod2_verifies(bot_app: BotHarness, key_type: str) -> None:
    nip, company_id = await cert_connected(bot_app, 4001)
    svc = bot_app.services
    before = await svc.enroll.quota(4001, company_id)
    stored = await svc.enroll.enroll_offline(4001, company_id, key_type=key_type)  # type: ignore[arg-type]
    after = await svc.enroll.quota(4001, company_id)
    assert after.enrollments_left == before.enrollments_left - 1
    rows = {r["cert_type"]: r for r in await bot_app.table_rows("certificates")}
    assert set(rows) == {"Authentication", "Offline"}
    assert rows["Offline"]["serial_hex"] == stored.serial_hex and stored.key_type == key_type
    assert b"PRIVATE KEY" not in rows["Offline"]["key_blob"]
    material = await svc.certificates.signing_material(company_id)
    assert material is not None and material.serial_hex == stored.serial_hex
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["seller"]["nip"] = nip
    xml = build(invoice_from_dict(data), created_at=datetime(2026, 2, 2, 9, 0, tzinfo=UTC))
    key = serialization.load_der_private_key(material.key_der, None)
    url = kod2_url(bot_app.sim.base_url, context_value=nip, seller_nip=nip,
                   certificate_serial=material.serial_hex, private_key=key, xml=xml)  # type: ignore[arg-type]
    certificate = x509.load_der_x509_certificate(material.cert_der)
    assert verify_kod2(url, certificate)
    # A KOD II signed with the Authentication key instead does not verify against the Offline certificate.
    login = await svc.cert_login.login_certificate(company_id)
    assert login is not None
    forged = kod2_url(bot_app.sim.base_url, context_value=nip, seller_nip=nip,
                      certificate_serial=material.serial_hex, private_key=login.private_key, xml=xml)
    assert not verify_kod2(forged, certificate)


async def test_token_company_cannot_enroll(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    connected = await bot_app.services.connect.connect_token(4002, 4002, nip, token)
    with pytest.raises(ServiceError) as caught:
        await bot_app.services.enroll.quota(4002, connected.company_id)
    assert caught.value.code == "enroll_needs_cert"


async def test_quota_used_up_refuses_without_enrolling(bot_app: BotHarness) -> None:
    _nip, company_id = await cert_connected(bot_app, 4003)
    svc = bot_app.services
    admin = bot_app.sim.admin
    saved = admin.get("/sim/certificates/limits").json()
    admin.put("/sim/certificates/limits", json={"enrollment": 1}).raise_for_status()
    try:
        assert (await svc.enroll.quota(4003, company_id)).can_request
        await svc.enroll.enroll_offline(4003, company_id)
        quota = await svc.enroll.quota(4003, company_id)
        assert not quota.can_request and quota.enrollments_left == 0
        with pytest.raises(ServiceError) as caught:
            await svc.enroll.enroll_offline(4003, company_id)
        assert caught.value.code == "enroll_quota"
    finally:
        admin.put("/sim/certificates/limits", json=saved).raise_for_status()
    offline = [r for r in await bot_app.table_rows("certificates") if r["cert_type"] == "Offline"]
    assert len(offline) == 1
