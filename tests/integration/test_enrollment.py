"""KSeF certificate enrollment: KsefClient against the simulator over loopback HTTP.

Happy path, token logins refused, CSR checks, per-subject limits, revocation, persistence across a
restart, and the issue-8 finish: an enrolled Offline certificate signs a KOD II that verifies.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from ksef import qr, xades
from ksef.certs import (
    CertType,
    KsefCertificate,
    build_csr,
    cert_type,
    encrypt_private_key_pem,
    generate_private_key,
    load_key_pair,
    serial_hex,
)
from ksef.client import KsefClient
from ksef.errors import CertificateLimitError, CertificateRejectedError, EnrollmentError
from ksef.sim.ca import SimCA
from tests.contract.flows import RawKsef
from tests.contract.openapi import check_request, check_response
from tests.fixtures.sim import SimFactory, SimHandle

PASSWORD = "tajne-haslo-2"


def login_certificate(sim: SimHandle, nip: str, key_type: str = "EC") -> KsefCertificate:
    issued = sim.issue_certificate(nip, "Authentication", PASSWORD, key_type)
    return load_key_pair(issued["key"].encode(), issued["cert"].encode(), PASSWORD)


def pair(key: object, cert: x509.Certificate) -> KsefCertificate:
    """Load an enrolled key + certificate through the same path a user's files take."""
    assert isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
    return load_key_pair(
        encrypt_private_key_pem(key, PASSWORD), cert.public_bytes(serialization.Encoding.PEM), PASSWORD
    )


def sim_ca(sim: SimHandle) -> SimCA:
    assert sim.state.ca_state is not None
    return SimCA.from_dict(sim.state.ca_state)


async def test_offline_certificate_enrollment_and_kod2(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    async with KsefClient(
        sim.base_url, nip=nip, certificate=login_certificate(sim, nip), pace=False
    ) as client:
        before = await client.certificate_limits()
        key, cert = await client.obtain_offline_certificate("Faktury offline")
        after = await client.certificate_limits()
        listed = await client.query_certificates(cert_type="Offline")
    assert cert_type(cert) is CertType.OFFLINE
    assert sim_ca(sim).is_issued_by(cert)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert after.enrollment.remaining == before.enrollment.remaining - 1
    assert after.certificate.remaining == before.certificate.remaining - 1
    offline = pair(key, cert)
    assert offline.subject_nip == nip
    assert [(c.serial_number, c.status, c.name) for c in listed] == [
        (offline.serial_hex, "Active", "Faktury offline")
    ]

    xml = b"<Faktura>offline</Faktura>"
    url = qr.kod2_url(
        "test",
        context_value=nip,
        seller_nip=nip,
        certificate_serial=offline.serial_hex,
        private_key=offline.private_key,
        xml=xml,
    )
    assert qr.verify_kod2(url, cert)
    other_key = generate_private_key("EC")
    forged = qr.kod2_url(
        "test",
        context_value=nip,
        seller_nip=nip,
        certificate_serial=offline.serial_hex,
        private_key=other_key,
        xml=xml,
    )
    assert not qr.verify_kod2(forged, cert)


async def test_enrolled_authentication_certificate_logs_in_and_revoked_one_does_not(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    async with KsefClient(
        sim.base_url, nip=nip, certificate=login_certificate(sim, nip), pace=False
    ) as client:
        data = await client.enrollment_data()
        assert data["countryName"] == "PL" and nip in data["organizationIdentifier"]
        key = generate_private_key("RSA")
        reference = await client.enroll_certificate("Logowanie RSA", "Authentication", build_csr(key, data))
        status = await client.wait_for_enrollment(reference)
        assert status.code == 200 and status.serial_number is not None
        assert (await client.enrollment_status(reference)).serial_number == status.serial_number
        [cert] = await client.retrieve_certificates([status.serial_number])
    enrolled = pair(key, cert)
    assert enrolled.cert_type is CertType.AUTHENTICATION and enrolled.key_type == "RSA"

    async with KsefClient(sim.base_url, nip=nip, certificate=enrolled, pace=False) as client:
        await client.authenticate()
        await client.revoke_certificate(enrolled.serial_hex, "Superseded")
        [listed] = await client.query_certificates(serial=enrolled.serial_hex)
        assert listed.status == "Revoked"
        with pytest.raises(EnrollmentError) as again:
            await client.revoke_certificate(enrolled.serial_hex)
        assert again.value.code == 25009
    async with KsefClient(sim.base_url, nip=nip, certificate=enrolled, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="unieważniony"):
            await client.authenticate()


async def test_token_login_cannot_enroll(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    csr = build_csr(generate_private_key("EC"), {"commonName": f"Podatnik {nip}", "countryName": "PL"})
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        with pytest.raises(EnrollmentError) as data_error:
            await client.enrollment_data()
        with pytest.raises(EnrollmentError) as enroll_error:
            await client.enroll_certificate("Przez token", "Offline", csr)
        limits = await client.certificate_limits()  # reading limits is allowed
    assert data_error.value.code == 25001
    assert enroll_error.value.code == 25002
    assert limits.enrollment.remaining == 300


async def test_bad_csrs_are_refused(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    async with KsefClient(
        sim.base_url, nip=nip, certificate=login_certificate(sim, nip), pace=False
    ) as client:
        data = await client.enrollment_data()
        wrong_subject = build_csr(generate_private_key("EC"), {**data, "commonName": "Ktoś inny"})
        weak_key = build_csr(rsa.generate_private_key(public_exponent=65537, key_size=1024), data)
        other_curve = build_csr(ec.generate_private_key(ec.SECP384R1()), data)
        codes = []
        for csr in (wrong_subject, b"\x30\x03\x02\x01\x00", weak_key, other_curve):
            with pytest.raises(EnrollmentError) as error:
                await client.enroll_certificate("Zly wniosek", "Offline", csr)
            codes.append(error.value.code)
        after = await client.certificate_limits()
    assert codes == [25003, 25004, 25010, 25010]
    assert after.enrollment.remaining == 300  # refused requests are not counted


async def test_limits_are_enforced(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    login = login_certificate(sim, nip)  # one active certificate already (the login one)
    response = sim.admin.put("/sim/certificates/limits", json={"enrollment": 2, "certificate": 2})
    assert response.status_code == 200 and response.json() == {"enrollment": 2, "certificate": 2}
    async with KsefClient(sim.base_url, nip=nip, certificate=login, pace=False) as client:
        await client.obtain_offline_certificate("Pierwszy offline")
        limits = await client.certificate_limits()
        assert not limits.can_request and limits.certificate.remaining == 0
        with pytest.raises(CertificateLimitError) as by_certificates:
            await client.obtain_offline_certificate("Drugi offline")
        csr = build_csr(generate_private_key("EC"), await client.enrollment_data())
        with pytest.raises(CertificateLimitError) as server_side:
            await client.enroll_certificate("Drugi offline", "Offline", csr)
        [first] = await client.query_certificates(name="Pierwszy")
        await client.revoke_certificate(first.serial_number)  # frees a certificate slot
        await client.obtain_offline_certificate("Drugi offline")
        with pytest.raises(CertificateLimitError) as by_requests:
            await client.enroll_certificate("Trzeci offline", "Offline", csr)
    assert by_certificates.value.code == 25007
    assert server_side.value.code == 25007
    assert by_requests.value.code == 25006


async def test_enrollment_survives_a_restart(sim_factory: SimFactory, tmp_path: Path) -> None:
    sim = sim_factory.start(state_file=tmp_path / "sim.json")
    nip, _ = sim.create_subject()
    login = login_certificate(sim, nip)
    async with KsefClient(sim.base_url, nip=nip, certificate=login, pace=False) as client:
        _, cert = await client.obtain_offline_certificate("Przed restartem")
        await client.revoke_certificate(login.serial_hex)
    restarted = sim_factory.restart(sim)
    async with KsefClient(restarted.base_url, nip=nip, certificate=login, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="unieważniony"):
            await client.authenticate()
    fresh = login_certificate(restarted, nip)
    async with KsefClient(restarted.base_url, nip=nip, certificate=fresh, pace=False) as client:
        [again] = await client.retrieve_certificates([serial_hex(cert)])
        listed = {c.name: c.status for c in await client.query_certificates()}
    assert again == cert
    assert listed["Przed restartem"] == "Active"


async def test_enrollment_in_progress_then_issued(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    sim.configure(processingDelaySeconds=3600)  # the enrollment stays at 100 until the delay is lifted
    async with KsefClient(
        sim.base_url, nip=nip, certificate=login_certificate(sim, nip), pace=False
    ) as client:
        key, reference = await client.obtain_offline_certificate("Offline w toku", wait=False)
        pending = await client.enrollment_status(reference)
        assert (pending.code, pending.serial_number, pending.done) == (100, None, False)
        sim.configure(processingDelaySeconds=0)
        done = await client.wait_for_enrollment(reference)
        assert done.code == 200 and done.serial_number is not None
        [cert] = await client.retrieve_certificates([done.serial_number])
    assert pair(key, cert).cert_type is CertType.OFFLINE


async def test_valid_from_is_honoured(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    async with KsefClient(
        sim.base_url, nip=nip, certificate=login_certificate(sim, nip), pace=False
    ) as client:
        csr = build_csr(generate_private_key("EC"), await client.enrollment_data())
        reference = await client.enroll_certificate(
            "Od przyszlego tygodnia", "Offline", csr, valid_from=start
        )
        serial = (await client.wait_for_enrollment(reference)).serial_number
        assert serial is not None
        [cert] = await client.retrieve_certificates([serial])
    assert cert.not_valid_before_utc == start


def test_certificate_answers_match_the_openapi_contract(sim: SimHandle) -> None:
    """Every JSON answer of /certificates (success and error) is what open-api.json documents."""
    nip, token = sim.create_subject()
    login = login_certificate(sim, nip)
    api = RawKsef(sim.base_url, problem_details=True)
    challenge = api.call("POST", "/auth/challenge", token="").json()["challenge"]
    signed = xades.sign_enveloped(
        xades.build_auth_token_request(challenge, nip), login.private_key, login.certificate
    )
    started = api.call(
        "POST", "/auth/xades-signature", content=signed, token="", headers={"content-type": "application/xml"}
    ).json()
    assert api.auth_status(started)["status"]["code"] == 200
    api.access_token = api.redeem(started).json()["accessToken"]["token"]

    assert api.call("GET", "/certificates/limits").status_code == 200
    data = api.call("GET", "/certificates/enrollments/data").json()
    csr = base64.b64encode(build_csr(generate_private_key("EC"), data)).decode()
    body = {"certificateName": "Kontrakt", "certificateType": "Offline", "csr": csr}
    check_request("POST", "/certificates/enrollments", body)
    ref = api.call("POST", "/certificates/enrollments", json=body).json()["referenceNumber"]
    status = api.call(
        "GET", "/certificates/enrollments/{referenceNumber}", f"/certificates/enrollments/{ref}"
    )
    serial = status.json()["certificateSerialNumber"]
    assert (
        api.call("POST", "/certificates/retrieve", json={"certificateSerialNumbers": [serial]}).status_code
        == 200
    )
    assert api.call("POST", "/certificates/query", json={"type": "Offline"}).status_code == 200
    revoke = "/certificates/{certificateSerialNumber}/revoke"
    assert api.call("POST", revoke, f"/certificates/{serial}/revoke", json={}).status_code == 204
    again = api.call(
        "POST", revoke, f"/certificates/{serial}/revoke", json={"revocationReason": "KeyCompromise"}
    )
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == 25009
    bad = api.call(
        "POST", "/certificates/enrollments", json={**body, "csr": base64.b64encode(b"junk").decode()}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == 25004
    api.login(nip, token)  # a token login: enrollment data is refused
    refused = api.call("GET", "/certificates/enrollments/data")
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == 25001
    api.close()

    checked = [r for r in api.recorded if r.template.startswith("/certificates")]
    assert len(checked) == 9  # every call but the 204 of the revocation
    for record in checked:
        check_response(record.method, record.template, record.status, record.body, record.media_type)
