"""API 2.8.0-2.9.0 errors and warnings end to end: 21184 (a new session and one re-send), 21001
(unreadable body), ``X-System-Warning`` (xml-002 for discouraged characters, the TEST echo header)."""

from __future__ import annotations

import httpx
import pytest

from ksef.client import KsefClient
from ksef.errors import UnreadableBodyError
from ksef.identifiers import random_valid_nip
from ksef.system_warnings import XML_DISCOURAGED_CHARACTERS, SystemWarning, collect_warnings
from tests.contract.flows import RawKsef, invoice_xml
from tests.fixtures.sim import SimHandle


async def test_21184_opens_one_new_session_and_the_invoice_is_accepted(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        before = await client.send_invoice(invoice_xml(nip, random_valid_nip(), "S/1"))
        assert before.is_accepted
        assert sim.admin.put("/sim/faults", json={"sessionUnavailable": 1}).json() == {
            "sessionUnavailable": 1
        }
        sent = await client.send_invoice(invoice_xml(nip, random_valid_nip(), "S/2"))
        assert sent.is_accepted and sent.ksef_number
        assert sent.session_reference != before.session_reference
        # the next invoice goes to the new session: no further reopening
        third = await client.send_invoice(invoice_xml(nip, random_valid_nip(), "S/3"))
        assert third.is_accepted and third.session_reference == sent.session_reference
    with sim.state.lock:
        sessions = sorted(sim.state.sessions.values(), key=lambda s: s.created)
        assert len(sessions) == 2  # exactly one new session
        assert sessions[0].unavailable and not sessions[1].unavailable
        assert [i.status_code for i in sessions[0].invoices] == [200]  # S/2 never reached it
        assert [i.invoice_number for i in sessions[1].invoices] == ["S/2", "S/3"]
    assert sim.admin.get("/sim/faults").json() == {"sessionUnavailable": 0}


def test_21184_body_and_the_unavailable_session_stays_unavailable(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url, problem_details=True)
    api.login(nip, token)
    session = api.open_session()
    sim.admin.put("/sim/faults", json={"sessionUnavailable": 1})
    for number in ("U/1", "U/2"):
        refused = session.send(invoice_xml(nip, random_valid_nip(), number))
        assert refused.status_code == 400
        error = refused.json()["errors"][0]
        assert error["code"] == 21184 and session.reference in error["details"][0]
    api.close()


async def test_unreadable_body_is_21001(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    for body in (b'{"subjectType": "Subject2", ', b'{"a": "\xff\xfe"}'):
        answer = api.call(
            "POST", "/invoices/query/metadata", content=body, headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400
        assert answer.json()["exception"]["exceptionDetailList"][0]["exceptionCode"] == 21001
    api.close()
    # through the client: a typed error
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        with pytest.raises(UnreadableBodyError):
            await client._api.request(
                "POST", "/collective-identifiers", content=b"{", headers={"Content-Type": "application/json"}
            )


def _with_discouraged(xml: bytes) -> bytes:
    # U+0082 (a C1 control character, what a Windows-1250 "ł" becomes when mis-decoded)
    return xml.replace(b"<P_7>", "<P_7>Op\u0082ata ".encode(), 1)


async def test_discouraged_characters_are_accepted_with_an_xml_002_warning(
    sim: SimHandle, caplog: pytest.LogCaptureFixture
) -> None:
    nip, token = sim.create_subject()
    counted: list[str] = []
    xml = _with_discouraged(invoice_xml(nip, random_valid_nip(), "X/1"))
    assert "\u0082".encode() in xml
    async with KsefClient(
        sim.base_url, nip=nip, token=token, pace=False, on_warning=lambda w, m, p: counted.append(w.code)
    ) as client:
        with caplog.at_level("WARNING", logger="ksef.http"), collect_warnings() as warnings:
            sent = await client.send_invoice(xml)
        assert sent.is_accepted and sent.ksef_number
        assert [w.code for w in sent.warnings] == [XML_DISCOURAGED_CHARACTERS]
        assert sent.ksef_number in sent.warnings[0].message
        assert warnings == list(sent.warnings)
        assert counted and set(counted) == {XML_DISCOURAGED_CHARACTERS}
        assert sum(XML_DISCOURAGED_CHARACTERS in r.getMessage() for r in caplog.records) == 1
        clean = await client.send_invoice(invoice_xml(nip, random_valid_nip(), "X/2"))
        assert clean.is_accepted and clean.warnings == ()
    # following MF's announced rejection instead: status 430, no KSeF number
    sim.configure(rejectDiscouragedCharacters=True)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        rejected = await client.send_invoice(_with_discouraged(invoice_xml(nip, random_valid_nip(), "X/3")))
    assert rejected.status_code == 430 and rejected.ksef_number is None
    assert any("U+0082" in d for d in rejected.details)


async def test_test_system_warning_header_is_echoed_and_collected(sim: SimHandle) -> None:
    warning = "[test-001]: Ostrzezenie testowe"
    url = f"{sim.base_url}/security/public-key-certificates"
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.get(url, headers={"X-Test-System-Warning": warning})
        assert answer.status_code == 200 and answer.headers["X-System-Warning"] == warning
        assert "X-System-Warning" not in (await http.get(url)).headers
    nip, token = sim.create_subject()
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        with collect_warnings() as collected:
            await client._transport.request(
                "GET", "/security/public-key-certificates", headers={"X-Test-System-Warning": warning}
            )
    assert collected == [SystemWarning("test-001", "Ostrzezenie testowe")]
