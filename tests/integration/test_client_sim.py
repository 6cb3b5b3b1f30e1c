"""KsefClient against the simulator over real loopback HTTP: auth, sending, UPO, errors, availability."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from lxml import etree

from ksef.client import KsefClient
from ksef.errors import (
    InvalidTokenError,
    KsefApiError,
    KsefServerError,
    KsefUnavailableError,
    MissingPermissionsError,
    RateLimitedError,
    TokenRevokedError,
)
from ksef.identifiers import ksef_number_is_valid
from ksef.latarnia import LatarniaClient
from ksef.session import prepare_invoice
from tests.fixtures.sim import SimHandle
from tests.paths import SAMPLES_FA3

UPO_NS = {"u": "http://upo.schematy.mf.gov.pl/KSeF/v4-3"}


def sample_for(path: Path, nip: str, number: str = "1") -> bytes:
    """An official/authored sample with placeholders filled and the seller NIP set to ``nip``."""
    text = path.read_text(encoding="utf-8").replace("#nip#", nip).replace("#invoice_number#", number)
    # Podmiot1 (the seller) comes first in the document: its NIP is the first <NIP>
    text = re.sub(r"<NIP>[^<]*</NIP>", f"<NIP>{nip}</NIP>", text, count=1)
    return text.encode("utf-8")


SAMPLES = sorted(SAMPLES_FA3.glob("*.xml"))


def test_samples_exist() -> None:
    assert len(SAMPLES) >= 4


async def test_token_auth_with_refresh(sim: SimHandle) -> None:
    sim.configure(accessTokenSeconds=20)  # shorter than the client's refresh margin: it must refresh
    nip, token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        info = await client.authenticate()
        first_until = info.access_valid_until
        tok = await client.check_token()
        assert tok.permissions >= {"InvoiceRead", "InvoiceWrite"} and tok.status == "Active"
        now_info = client._auth.info
        assert now_info is not None and now_info.access_valid_until > first_until  # a new access token
        assert now_info.refresh_valid_until == info.refresh_valid_until  # refresh token unchanged


async def test_wrong_token(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    wrong = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    async with KsefClient(sim.base_url, nip=nip, token=wrong, pace=False) as client:
        with pytest.raises(InvalidTokenError):
            await client.authenticate()


async def test_revoked_token(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    sim.revoke_token(token)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        with pytest.raises(TokenRevokedError):
            await client.authenticate()


async def test_token_without_invoice_write(sim: SimHandle) -> None:
    nip, _ = sim.create_subject()
    token = sim.create_token(nip, ["InvoiceRead"])
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        with pytest.raises(MissingPermissionsError) as info:
            await client.check_token(required=("InvoiceRead", "InvoiceWrite"))
        assert info.value.missing == frozenset({"InvoiceWrite"})
        with pytest.raises(KsefApiError) as err:
            await client.send_invoice(sample_for(SAMPLES[0], nip))
        assert err.value.http_status == 403


async def test_send_every_sample_get_numbers_and_upos(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        sent = []
        for i, path in enumerate(SAMPLES):
            xml = sample_for(path, nip, str(i))
            result = await client.send_invoice(xml)
            assert result.status_code == 200, (path.name, result)
            assert result.ksef_number and ksef_number_is_valid(result.ksef_number)
            assert result.ksef_number.startswith(nip)
            sent.append(result)
        assert len({s.session_reference for s in sent}) == 1  # one session reused
        for result in sent:
            assert result.ksef_number is not None
            upo = await client.get_invoice_upo(result.session_reference, ksef_number=result.ksef_number)
            doc = etree.fromstring(upo)
            assert doc.findtext(".//u:NumerKSeFDokumentu", namespaces=UPO_NS) == result.ksef_number
            by_ref = await client.get_invoice_upo(result.session_reference,
                                                  invoice_reference=result.reference_number)
            assert etree.fromstring(by_ref).findtext(".//u:NumerKSeFDokumentu", namespaces=UPO_NS) \
                == result.ksef_number
            assert await client.download_invoice(result.ksef_number) == sample_for(
                SAMPLES[sent.index(result)], nip, str(sent.index(result)))
        listed = await client.session_invoices(sent[0].session_reference)
        assert {i.ksef_number for i in listed} == {s.ksef_number for s in sent}
        assert {i.invoice_hash for i in listed} == {s.invoice_hash for s in sent}
        assert sent[0].session_reference in await client.find_sessions()
        session_ref = await client.close_session()
        assert session_ref == sent[0].session_reference
        status = await client.session_status(session_ref)
        for _ in range(200):  # processing is asynchronous; follow it (bounded)
            if status.status_code != 170 and status.status_code >= 200:
                break
            status = await client.session_status(session_ref)
        assert status.status_code == 200 and status.successful_invoice_count == len(SAMPLES)
        pages = await client.get_session_upo(session_ref)
        numbers = {n for page in pages
                   for n in etree.fromstring(page).xpath("//u:NumerKSeFDokumentu/text()", namespaces=UPO_NS)}
        assert numbers == {s.ksef_number for s in sent}
        # after closing, the next send opens a new session
        again = await client.send_invoice(sample_for(SAMPLES[0], nip, "after-close"))
        assert again.session_reference != session_ref


async def test_duplicate_is_reported_with_the_original(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    xml = sample_for(SAMPLES[0], nip)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        first = await client.send_invoice(xml)
        dup = await client.send_invoice(xml)
    assert first.status_code == 200
    assert dup.status_code == 440 and dup.ksef_number is None
    assert dup.extensions.get("originalKsefNumber") == first.ksef_number


async def test_schema_invalid_invoice_is_rejected(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    xml = re.sub(rb"<P_2>[^<]*</P_2>", b"", sample_for(SAMPLES[0], nip))  # P_2 is required
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        result = await client.send_invoice(xml)
    assert result.status_code == 430 and result.ksef_number is None and result.details


async def test_tampered_hash_is_refused_synchronously(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    xml = sample_for(SAMPLES[0], nip)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        session = await client.sessions.ensure()
        body = dict(prepare_invoice(session, xml, offline_mode=False, hash_of_corrected_invoice=None).body)
        body["invoiceHash"] = prepare_invoice(session, xml + b" ", offline_mode=False,
                                              hash_of_corrected_invoice=None).invoice_hash
        with pytest.raises(KsefApiError) as err:
            await client._api.json("POST", f"/sessions/online/{session.reference_number}/invoices",
                                   json_body=body)
    assert err.value.http_status == 400 and err.value.code == 21403


async def test_429_long_retry_after_raises_and_is_remembered(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    sim.set_limits({"other": {"perSecond": 100, "perMinute": 100, "perHour": 2}})
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False, max_wait=5) as client:
        await client.check_token()
        await client.check_token()
        with pytest.raises(RateLimitedError) as err:
            await client.check_token()
        assert err.value.http_status == 429 and err.value.retry_after > 5
        assert client.seconds_until_allowed("other") > 5


async def test_429_short_retry_after_is_waited_out(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    sim.set_limits({"other": {"perSecond": 1, "perMinute": 100, "perHour": 100}})
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False, max_wait=5) as client:
        for _ in range(3):  # back to back: the 2nd and 3rd meet 429 + Retry-After ~1 s, then succeed
            assert (await client.check_token()).status == "Active"


async def test_client_paces_itself_with_published_limits(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, max_wait=3) as client:
        await client.authenticate()
        done = 0
        # invoiceMetadata allows 8/s and 16/min: the client waits out the 1-s window itself and
        # refuses locally (nothing sent) once the next query would break the minute window
        with pytest.raises(RateLimitedError) as err:
            for _ in range(40):
                await client.received_since(None)
                done += 1
        assert err.value.http_status == 0
        assert 8 < done <= 16
        assert client.seconds_until_allowed("invoiceMetadata") > 30


async def test_html_500_page_is_a_server_error(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    sim.set_availability(api="error500")
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False, max_retries=1) as client:
        with pytest.raises(KsefServerError) as err:
            await client.authenticate()
    assert err.value.http_status == 500 and "HTML" in err.value.description


async def test_slow_api_times_out(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    sim.set_availability(api="slow", slowSeconds=2)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False, timeout=0.3,
                          max_retries=1) as client:
        with pytest.raises(KsefUnavailableError, match="czas"):
            await client.authenticate()


async def test_closed_port_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with KsefClient(f"http://127.0.0.1:{port}/v2", nip="5265877635", token="a|b|c",
                          max_retries=1) as client:
        with pytest.raises(KsefUnavailableError):
            await client.authenticate()


async def test_latarnia_status_messages_and_outage(sim: SimHandle) -> None:
    message = {"id": "K/2026/AWR/02", "eventId": 1003, "category": "FAILURE", "type": "FAILURE_START",
               "title": "Awaria", "text": "Trwa awaria", "start": "2026-01-31T11:27:00+00:00", "end": None,
               "version": 1, "published": "2026-01-31T11:35:00+00:00"}
    async with LatarniaClient(sim.latarnia_url) as lat:
        assert (await lat.status()).status == "AVAILABLE"
        sim.set_availability(latarnia={"status": "FAILURE", "messages": [message]})
        status = await lat.status()
        assert status.status == "FAILURE" and status.messages[0].event_id == 1003
        assert status.messages[0].end is None and status.messages[0].start is not None
        assert [m.id for m in await lat.messages()] == ["K/2026/AWR/02"]
        sim.set_availability(latarnia="down")
        with pytest.raises((KsefApiError, KsefUnavailableError)):
            await lat.status()
