"""Auth, token check and online-session flows of KsefClient against the in-process fake."""

from __future__ import annotations

import httpx
import pytest

from ksef.errors import InvalidTokenError, KsefValidationError, MissingPermissionsError
from ksef.identifiers import ksef_number_is_valid
from ksef.session import prepare_invoice
from tests.unit.test_client_support import NIP, FakeKsef

XML = "<Faktura>zażółć</Faktura>".encode()


async def test_wrong_token_is_invalid_token_error() -> None:
    fake = FakeKsef()
    real = fake.token
    fake.token = real[:-1] + ("0" if real[-1] != "0" else "1")  # server expects another secret
    async with fake.client() as client:
        client._auth._token = real
        with pytest.raises(InvalidTokenError):
            await client.authenticate()


async def test_refresh_before_expiry_and_on_401() -> None:
    fake = FakeKsef(access_seconds=30)  # inside the refresh margin: every call refreshes first
    async with fake.client() as client:
        await client.check_token()
        assert fake.refreshes == 1
        fake.access_seconds = 900
        await client.check_token()
        assert fake.refreshes == 2
        # server forgets our access token (e.g. restarted): one 401 → refresh → retried call succeeds
        fake.access_tokens.clear()
        info = await client.check_token()
        assert fake.refreshes == 3 and info.permissions == {"InvoiceRead", "InvoiceWrite"}


async def test_failed_refresh_reauthenticates() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        await client.authenticate()
        fake.access_tokens.clear()
        fake.refresh_tokens.clear()
        await client.check_token()
    assert fake.calls.count("POST /auth/token/redeem") == 2


async def test_check_token_reports_missing_permissions() -> None:
    fake = FakeKsef(permissions=["InvoiceRead"])
    async with fake.client() as client:
        with pytest.raises(MissingPermissionsError) as info:
            await client.check_token(required=("InvoiceRead", "InvoiceWrite"))
    assert info.value.missing == frozenset({"InvoiceWrite"})
    assert fake.calls[-1].startswith("GET /tokens/20260101-EC-")


async def test_send_follows_status_and_reuses_session() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        first = await client.send_invoice(XML)
        second = await client.send_invoice(XML + b" ")
        assert first.status_code == 200 and first.ksef_number and ksef_number_is_valid(first.ksef_number)
        assert first.session_reference == second.session_reference
        assert fake.calls.count("POST /sessions/online") == 1
        pending = await client.send_invoice(XML, wait=False)
        assert pending.status_code == 100 and pending.ksef_number is None
        assert (await client.close_session()) == first.session_reference


async def test_session_gone_reopens_once() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        sent = await client.send_invoice(XML)
        fake.sessions.clear()  # KSeF says 21173 for the old session
        again = await client.send_invoice(XML)
    assert again.status_code == 200 and again.session_reference != sent.session_reference
    assert fake.calls.count("POST /sessions/online") == 2


async def test_unknown_public_key_refetches_keys_and_retries() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        await client.authenticate()
        fake.fail_next.append(
            httpx.Response(
                400,
                json={
                    "title": "x",
                    "status": 400,
                    "errors": [{"code": 21470, "description": "Nieznany klucz", "details": []}],
                },
            )
        )
        await client.send_invoice(XML)
    assert fake.calls.count("GET /security/public-key-certificates") == 2


def test_prepared_invoice_sizes_and_hashes_of_exact_bytes() -> None:
    from ksef.crypto import aes_cbc_decrypt, b64decode, new_aes_key, new_iv, sha256_b64
    from ksef.session import OnlineSession

    session = OnlineSession("R", None, new_aes_key(), new_iv())  # type: ignore[arg-type]
    xml = b"\xef\xbb\xbf" + XML  # even odd bytes are sent exactly as given
    body = prepare_invoice(session, xml, offline_mode=True, hash_of_corrected_invoice="h").body
    ct = b64decode(str(body["encryptedInvoiceContent"]))
    assert body["invoiceSize"] == len(xml) and body["encryptedInvoiceSize"] == len(ct) == 16 * (
        len(xml) // 16 + 1
    )
    assert body["invoiceHash"] == sha256_b64(xml) and body["encryptedInvoiceHash"] == sha256_b64(ct)
    assert aes_cbc_decrypt(session.key, session.iv, ct) == xml
    assert body["offlineMode"] is True and body["hashOfCorrectedInvoice"] == "h"


def test_bad_nip_and_bad_ksef_number_are_local_errors() -> None:
    with pytest.raises(KsefValidationError):
        FakeKsef().client().__class__("http://x.invalid/v2", nip="1234567890")
    assert NIP


async def test_download_rejects_bad_number_without_a_request() -> None:
    fake = FakeKsef()
    async with fake.client() as client:
        with pytest.raises(KsefValidationError):
            await client.download_invoice("not-a-number")
    assert fake.calls == []


async def test_concurrent_callers_share_one_login_and_one_session() -> None:
    import asyncio

    fake = FakeKsef()
    async with fake.client() as client:
        await asyncio.gather(*(client.check_token() for _ in range(10)))
        sent = await asyncio.gather(*(client.send_invoice(XML + str(i).encode()) for i in range(5)))
    assert fake.calls.count("POST /auth/token/redeem") == 1
    assert fake.calls.count("POST /sessions/online") == 1
    assert all(s.status_code == 200 for s in sent)


async def test_session_near_expiry_is_replaced() -> None:
    from datetime import UTC, datetime, timedelta

    fake = FakeKsef()
    async with fake.client() as client:
        first = await client.send_invoice(XML)
        assert client.sessions.current is not None
        client.sessions.current.valid_until = datetime.now(UTC) + timedelta(minutes=5)
        second = await client.send_invoice(XML)
    assert second.session_reference != first.session_reference
