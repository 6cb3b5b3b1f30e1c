"""Online sessions on the simulator: send, statuses, UPO, rejections (raw httpx, real AES/RSA)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from lxml import etree

from ksef.crypto import sha256_b64
from ksef.identifiers import ksef_number_is_valid, random_valid_nip
from ksef.schemas import UPO_NAMESPACE, schema_errors
from tests.contract.flows import RawKsef, invoice_xml
from tests.paths import SAMPLES_FA3

WARSAW = ZoneInfo("Europe/Warsaw")


def _logged_in(sim) -> tuple[RawKsef, str]:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    return api, nip


def _code(response: httpx.Response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def test_send_status_upo_and_download(sim):
    api, nip = _logged_in(sim)
    buyer = random_valid_nip()
    xml = invoice_xml(nip, buyer, "FV/" + secrets.token_hex(4))
    session = api.open_session()
    sent = session.send(xml)
    assert sent.status_code == 202
    status = session.invoice_status(sent.json()["referenceNumber"])
    assert status["status"]["code"] == 200, status
    number = status["ksefNumber"]
    assert ksef_number_is_valid(number)
    assert number.startswith(nip + "-" + datetime.now(WARSAW).strftime("%Y%m%d"))
    assert status["invoicingMode"] == "Online"
    assert status["invoiceHash"] == sha256_b64(xml)
    # per-invoice UPO, through the API and through the unauthenticated download URL
    upo = api.call(
        "GET",
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo",
        f"/sessions/{session.reference}/invoices/{sent.json()['referenceNumber']}/upo",
    )
    assert upo.status_code == 200
    assert upo.headers["x-ms-meta-hash"] == sha256_b64(upo.content)
    assert schema_errors("upo", upo.content) == []
    root = etree.fromstring(upo.content)
    ns = {"u": UPO_NAMESPACE}
    assert root.findtext("u:Dokument/u:NumerKSeFDokumentu", namespaces=ns) == number
    assert root.findtext("u:Dokument/u:SkrotDokumentu", namespaces=ns) == sha256_b64(xml)
    public = httpx.get(status["upoDownloadUrl"])
    assert public.status_code == 200 and public.content == upo.content
    by_number = api.call(
        "GET",
        "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo",
        f"/sessions/{session.reference}/invoices/ksef/{number}/upo",
    )
    assert by_number.content == upo.content
    # session: open → close → 200 with a session UPO page
    assert session.status()["status"]["code"] == 100
    assert session.close().status_code == 204
    final = session.status()
    assert final["status"]["code"] == 200
    assert final["successfulInvoiceCount"] == 1 and final["invoiceCount"] == 1
    page = final["upo"]["pages"][0]
    session_upo = api.call(
        "GET",
        "/sessions/{referenceNumber}/upo/{upoReferenceNumber}",
        f"/sessions/{session.reference}/upo/{page['referenceNumber']}",
    )
    assert schema_errors("upo", session_upo.content) == []
    assert httpx.get(page["downloadUrl"]).content == session_upo.content
    # sending to a closed session is refused
    assert _code(session.send(xml)) == 21180
    # the stored invoice is downloadable byte for byte
    download = api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}")
    assert download.status_code == 200 and download.content == xml
    assert download.headers["x-ms-meta-hash"] == sha256_b64(xml)
    api.close()


def test_duplicate_is_440_with_original(sim):
    api, nip = _logged_in(sim)
    xml = invoice_xml(nip, random_valid_nip(), "DUP/1")
    session = api.open_session()
    first = session.invoice_status(session.send(xml).json()["referenceNumber"])
    second = session.invoice_status(session.send(xml).json()["referenceNumber"])
    assert first["status"]["code"] == 200
    assert second["status"]["code"] == 440
    assert second["status"]["extensions"] == {
        "originalSessionReferenceNumber": session.reference,
        "originalKsefNumber": first["ksefNumber"],
    }
    failed = api.call(
        "GET", "/sessions/{referenceNumber}/invoices/failed", f"/sessions/{session.reference}/invoices/failed"
    )
    assert [i["status"]["code"] for i in failed.json()["invoices"]] == [440]
    api.close()


def test_xsd_failure_is_430_and_session_445(sim):
    api, nip = _logged_in(sim)
    broken = invoice_xml(nip, random_valid_nip(), "BAD/1").replace(b"<GV>2</GV>", b"")
    session = api.open_session()
    status = session.invoice_status(session.send(broken).json()["referenceNumber"])
    assert status["status"]["code"] == 430
    assert any("GV" in d for d in status["status"]["details"])
    session.close()
    assert session.status()["status"]["code"] == 445
    api.close()


def test_encoding_rules_bom_and_processing_instruction(sim):
    api, nip = _logged_in(sim)
    base = invoice_xml(nip, random_valid_nip(), "ENC/1")
    session = api.open_session()
    bom = session.invoice_status(session.send(b"\xef\xbb\xbf" + base).json()["referenceNumber"])
    assert bom["status"]["code"] == 430 and "BOM" in bom["status"]["details"][0]
    pi = base.replace(b"<Faktura", b'<?xml-stylesheet href="a.xsl"?>\n<Faktura', 1)
    with_pi = session.invoice_status(session.send(pi).json()["referenceNumber"])
    assert with_pi["status"]["code"] == 430
    api.close()


def test_hash_and_size_mismatch_are_synchronous(sim):
    api, nip = _logged_in(sim)
    xml = invoice_xml(nip, random_valid_nip(), "HASH/1")
    session = api.open_session()
    assert _code(session.send(xml, invoiceHash=sha256_b64(b"other"))) == 21403
    assert _code(session.send(xml, encryptedInvoiceHash=sha256_b64(b"other"))) == 21403
    assert _code(session.send(xml, invoiceSize=len(xml) + 1)) == 21402
    assert _code(session.send(xml, encryptedInvoiceSize=16)) == 21402
    api.close()


def test_wrong_seller_future_date_and_checksum(sim):
    api, nip = _logged_in(sim)
    session = api.open_session()
    other_seller = invoice_xml(random_valid_nip(), nip, "X/1")
    assert (
        session.invoice_status(session.send(other_seller).json()["referenceNumber"])["status"]["code"] == 410
    )
    tomorrow = (datetime.now(WARSAW) + timedelta(days=1)).date().isoformat()
    future = invoice_xml(nip, random_valid_nip(), "X/2", issue_date=tomorrow)
    assert session.invoice_status(session.send(future).json()["referenceNumber"])["status"]["code"] == 450
    bad_buyer = nip[:9] + str((int(nip[9]) + 1) % 10)
    accepted = invoice_xml(nip, bad_buyer, "X/3")
    assert session.invoice_status(session.send(accepted).json()["referenceNumber"])["status"]["code"] == 200
    sim.configure(nipChecksum=True)
    rejected = invoice_xml(nip, bad_buyer, "X/4")
    assert session.invoice_status(session.send(rejected).json()["referenceNumber"])["status"]["code"] == 450
    api.close()


def test_auto_offline_and_technical_correction(sim):
    api, nip = _logged_in(sim)
    session = api.open_session()
    yesterday = (datetime.now(WARSAW) - timedelta(days=1)).date().isoformat()
    late = invoice_xml(nip, random_valid_nip(), "OFF/1", issue_date=yesterday)
    assert session.invoice_status(session.send(late).json()["referenceNumber"])["invoicingMode"] == "Offline"
    # an offline invoice rejected (XSD) can be corrected once with hashOfCorrectedInvoice
    broken = invoice_xml(nip, random_valid_nip(), "OFF/2").replace(b"<GV>2</GV>", b"")
    rejected = session.invoice_status(session.send(broken, offlineMode=True).json()["referenceNumber"])
    assert rejected["status"]["code"] == 430
    fixed = invoice_xml(nip, random_valid_nip(), "OFF/2")
    corrected = session.send(fixed, offlineMode=True, hashOfCorrectedInvoice=sha256_b64(broken))
    status = session.invoice_status(corrected.json()["referenceNumber"])
    assert status["status"]["code"] == 200 and status["invoicingMode"] == "Offline"
    again = session.send(
        invoice_xml(nip, random_valid_nip(), "OFF/3"),
        offlineMode=True,
        hashOfCorrectedInvoice=sha256_b64(broken),
    )
    assert _code(again) == 21167
    unknown = session.send(fixed, offlineMode=True, hashOfCorrectedInvoice=sha256_b64(b"never sent"))
    assert _code(unknown) == 21166
    api.close()


def test_processing_delay_shows_100_or_150_then_200(sim):
    sim.configure(processingDelaySeconds=0.6)
    api, nip = _logged_in(sim)
    session = api.open_session()
    ref = session.send(invoice_xml(nip, random_valid_nip(), "SLOW/1")).json()["referenceNumber"]
    early = session.invoice_status(ref, wait=False)
    assert early["status"]["code"] in (100, 150)
    assert "ksefNumber" not in early
    session.close()
    assert session.status()["status"]["code"] in (170, 200)
    assert session.invoice_status(ref)["status"]["code"] == 200
    assert session.status()["status"]["code"] == 200
    api.close()


def test_official_samples_are_accepted(sim):
    """The official FA(3) samples (placeholders and NIPs substituted) go through the whole path."""
    api, nip = _logged_in(sim)
    session = api.open_session()
    today = datetime.now(WARSAW).date().isoformat()
    for path in sorted(SAMPLES_FA3.glob("*.xml")):
        text = path.read_text(encoding="utf-8")
        text = text.replace("#nip#", nip).replace("#invoice_number#", secrets.token_hex(4))
        root = etree.fromstring(text.encode())
        ns = {"f": root.nsmap[None]}
        root.find("f:Podmiot1/f:DaneIdentyfikacyjne/f:NIP", ns).text = nip
        root.find("f:Fa/f:P_1", ns).text = today
        root.find("f:Fa/f:P_2", ns).text = f"{path.stem}/{secrets.token_hex(3)}"
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        status = session.invoice_status(session.send(xml).json()["referenceNumber"])
        assert status["status"]["code"] == 200, (path.name, status)
    api.close()


def test_unknown_session_and_bad_form_code(sim):
    api, _ = _logged_in(sim)
    response = api.call(
        "GET", "/sessions/{referenceNumber}", "/sessions/20260101-SO-0000000000-0000000000-00"
    )
    assert _code(response) == 21173
    bad = api.call(
        "POST",
        "/sessions/online",
        json={
            "formCode": {"systemCode": "FA (2)", "schemaVersion": "1-0E", "value": "FA"},
            "encryption": {
                "encryptedSymmetricKey": "AAAA",
                "initializationVector": "AAAAAAAAAAAAAAAAAAAAAA==",
            },
        },
    )
    assert _code(bad) == 21405
    api.close()


def test_session_list_newest_first_with_status_filter_and_paging(sim):
    sim.set_limits({"enabled": False})  # 12 sessions exceed the published 10/s for opening
    api, nip = _logged_in(sim)
    refs = []
    for n in range(12):
        session = api.open_session()
        refs.append(session.reference)
        if n == 0:
            session.send(invoice_xml(nip, random_valid_nip(), "LIST/1"))
            session.close()
    first = api.call("GET", "/sessions", params={"sessionType": "Online", "pageSize": 10})
    assert first.status_code == 200
    listed = [s["referenceNumber"] for s in first.json()["sessions"]]
    assert len(listed) == 10 and first.json()["continuationToken"]
    second = api.call(
        "GET",
        "/sessions",
        params={"sessionType": "Online", "pageSize": 10},
        headers={"x-continuation-token": first.json()["continuationToken"]},
    )
    listed += [s["referenceNumber"] for s in second.json()["sessions"]]
    assert sorted(listed) == sorted(refs) and listed[-1] == refs[0]
    done = api.call("GET", "/sessions", params={"sessionType": "Online", "statuses": "Succeeded"}).json()
    assert [s["referenceNumber"] for s in done["sessions"]] == [refs[0]]
    assert done["sessions"][0]["successfulInvoiceCount"] == 1
    api.close()


def test_empty_session_is_440_and_expired_session_refuses_sending(sim):
    api, nip = _logged_in(sim)
    empty = api.open_session()
    assert empty.close().status_code == 204
    assert empty.status()["status"]["code"] == 440
    assert _code(empty.close()) == 21180
    expiring = api.open_session()
    with sim.state.lock:  # jump past the 12 h validity without waiting
        sim.state.sessions[expiring.reference].valid_until = datetime.now(WARSAW) - timedelta(seconds=1)
    assert _code(expiring.send(invoice_xml(nip, random_valid_nip(), "EXP/1"))) == 21180
    assert expiring.status()["status"]["code"] == 440
    api.close()
