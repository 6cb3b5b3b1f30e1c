"""Every JSON answer the simulator gives in the main scenarios matches its open-api.json response schema."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from ksef.crypto import sha256_b64
from ksef.identifiers import random_valid_nip
from tests.contract.flows import RawKsef, invoice_xml
from tests.contract.openapi import check_request, check_response


def _check_all(*clients: RawKsef) -> int:
    count = 0
    for client in clients:
        for rec in client.recorded:
            check_response(rec.method, rec.template, rec.status, rec.body, rec.media_type)
            count += 1
    return count


@pytest.mark.parametrize("problem_details", [False, True], ids=["legacy", "problem"])
def test_scenario_responses_match_openapi(sim, problem_details):
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url, problem_details=problem_details)
    # auth: good, wrong token, redeem twice, refresh
    api.login(nip, token)
    started = api.start_auth(nip, token[:-2] + "00")
    api.auth_status(started)
    api.redeem(started)
    api.call("POST", "/auth/token/refresh", token=api.refresh_token)
    api.call("GET", "/tokens/{referenceNumber}", f"/tokens/{token.split('|')[0]}")
    api.call("GET", "/rate-limits")
    api.call(
        "POST",
        "/auth/ksef-token",
        json={
            "challenge": "x" * 36,
            "encryptedToken": "AAAA",
            "contextIdentifier": {"type": "Nip", "value": nip},
        },
        token="",
    )
    api.call("GET", "/rate-limits", token="bad")  # 401
    # session with success, duplicate, XSD failure, size mismatch
    session = api.open_session()
    xml = invoice_xml(nip, random_valid_nip(), "C/" + secrets.token_hex(3))
    ok = session.send(xml).json()["referenceNumber"]
    session.invoice_status(ok)
    session.invoice_status(session.send(xml).json()["referenceNumber"])
    session.invoice_status(session.send(xml.replace(b"<GV>2</GV>", b"")).json()["referenceNumber"])
    session.send(xml, invoiceSize=1)
    api.call("GET", "/sessions/{referenceNumber}/invoices", f"/sessions/{session.reference}/invoices")
    api.call(
        "GET", "/sessions/{referenceNumber}/invoices/failed", f"/sessions/{session.reference}/invoices/failed"
    )
    session.status()
    session.close()
    session.status()
    api.call("GET", "/sessions", params={"sessionType": "Online"})
    api.call(
        "GET",
        "/sessions/{referenceNumber}/upo/{upoReferenceNumber}",
        f"/sessions/{session.reference}/upo/20260101-EU-0000000000-0000000000-00",
    )
    # received invoices: query (with HWM), 21183, download errors
    sim.inject_bulk(random_valid_nip(), nip, 12)
    start = datetime.now(UTC) - timedelta(minutes=5)
    filters = {
        "subjectType": "Subject2",
        "dateRange": {
            "dateType": "PermanentStorage",
            "from": start.isoformat(),
            "to": None,
            "restrictToPermanentStorageHwmDate": True,
        },
    }
    check_request("POST", "/invoices/query/metadata", filters)
    api.invoice_query(
        {**filters, "dateRange": {**filters["dateRange"], "restrictToPermanentStorageHwmDate": False}},
        pageSize=10,
    )
    api.invoice_query(
        {
            **filters,
            "dateRange": {
                "dateType": "PermanentStorage",
                "from": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
                "restrictToPermanentStorageHwmDate": True,
            },
        }
    )
    api.call("GET", "/invoices/ksef/{ksefNumber}", "/invoices/ksef/5265877635-20250826-0100001AF629-AF")
    # 403 and 429
    read_only = RawKsef(sim.base_url, problem_details=problem_details)
    read_only.login(nip, sim.create_token(nip, ["InvoiceRead"]))
    read_only.call("POST", "/sessions/online", json={})
    sim.set_limits({"invoiceMetadata": {"perSecond": 1, "perMinute": 1, "perHour": 1}})
    read_only.invoice_query(filters)
    read_only.invoice_query(filters)
    statuses = {(r.template, r.status) for r in api.recorded + read_only.recorded}
    for expected in [
        ("/auth/token/redeem", 400),
        ("/rate-limits", 401),
        ("/sessions/online", 403),
        ("/invoices/query/metadata", 429),
        ("/invoices/query/metadata", 200),
        ("/sessions/online/{referenceNumber}/invoices", 400),
        ("/sessions", 200),
    ]:
        assert expected in statuses, expected
    assert _check_all(api, read_only) > 30
    api.close()
    read_only.close()


def test_client_request_bodies_match_openapi():
    """The raw flows used in the simulator tests send spec-conforming bodies (so the 21405 check is fair)."""
    check_request(
        "POST",
        "/sessions/online/{referenceNumber}/invoices",
        {
            "invoiceHash": sha256_b64(b"a"),
            "invoiceSize": 1,
            "encryptedInvoiceHash": sha256_b64(b"b"),
            "encryptedInvoiceSize": 16,
            "encryptedInvoiceContent": "AAAA",
            "offlineMode": False,
            "hashOfCorrectedInvoice": None,
        },
    )
    with pytest.raises(AssertionError):
        check_request("POST", "/sessions/online/{referenceNumber}/invoices", {"invoiceHash": "short"})
    with pytest.raises(AssertionError):
        check_response("GET", "/sessions/{referenceNumber}", 200, {"status": {"code": 100}})


@pytest.mark.parametrize("problem_details", [False, True], ids=["legacy", "problem"])
def test_answers_of_what_2_9_0_added_match_openapi(sim, problem_details):
    """GET /rate-limits, the collective-identifier operations (success and every refusal), 21184,
    21001 and the 100-day range refusal answer as the 2.9.0 schemas say."""
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url, problem_details=problem_details)
    api.login(nip, token)
    limits = api.call("GET", "/rate-limits").json()
    assert limits["global"] == {"perSecond": 75, "perMinute": -1, "perHour": -1}
    numbers = sim.inject_bulk(random_valid_nip(), nip, 12)
    other_seller = sim.inject_bulk(random_valid_nip(), nip, 1)
    created = api.call(
        "POST",
        "/collective-identifiers",
        json={
            "invoices": [
                {
                    "ksefNumber": numbers[0],
                    "payment": {"amount": 123.45, "currency": "PLN"},
                    "description": "Opis",
                },
                *({"ksefNumber": n} for n in numbers[1:]),
            ]
        },
    )
    assert created.status_code == 201
    iz = created.json()["collectiveIdentifierNumber"]
    for bad in (
        [numbers[0], numbers[0]],
        [numbers[0], other_seller[0]],
        [numbers[0], "5265877635-20250826-0100001AF629-AF"],
        [numbers[0]],
    ):
        refused = api.call(
            "POST", "/collective-identifiers", json={"invoices": [{"ksefNumber": n} for n in bad]}
        )
        assert refused.status_code == 400
    now = datetime.now(UTC)
    window = {"dateCreatedFrom": (now - timedelta(days=1)).isoformat(), "dateCreatedTo": now.isoformat()}
    assert api.call("POST", "/collective-identifiers/query", json=window).status_code == 200
    too_long = {**window, "dateCreatedFrom": (now - timedelta(days=101)).isoformat()}
    assert api.call("POST", "/collective-identifiers/query", json=too_long).status_code == 400
    lookup = api.call(
        "GET", "/collective-identifiers/ksef/{ksefNumber}", f"/collective-identifiers/ksef/{numbers[0]}"
    )
    assert lookup.json()["collectiveIdentifiers"][0]["collectiveIdentifierNumber"] == iz
    page = api.call(
        "POST",
        "/collective-identifiers/invoices",
        json={"collectiveIdentifierNumbers": [iz]},
        params={"pageSize": 10},
    )
    assert len(page.json()["invoices"]) == 10 and page.json()["continuationToken"]
    rest = api.call(
        "POST",
        "/collective-identifiers/invoices",
        json={"collectiveIdentifierNumbers": [iz]},
        params={"pageSize": 10},
        headers={"x-continuation-token": page.json()["continuationToken"]},
    )
    assert len(rest.json()["invoices"]) == 2 and not rest.json().get("continuationToken")
    bad_token = api.call(
        "POST",
        "/collective-identifiers/invoices",
        json={"collectiveIdentifierNumbers": [iz]},
        headers={"x-continuation-token": "nonsense"},
    )
    assert bad_token.status_code == 400
    # page sizes over the maxima (500 invoices, 200 identifiers) and more than 10 IZ numbers
    too_big = [
        ("/collective-identifiers/invoices", {"collectiveIdentifierNumbers": [iz]}, 501),
        ("/collective-identifiers/query", window, 201),
        ("/collective-identifiers/invoices", {"collectiveIdentifierNumbers": [iz] * 11}, 10),
    ]
    for path, body, size in too_big:
        assert api.call("POST", path, json=body, params={"pageSize": size}).status_code == 400
    # metadata query over 100 days, unreadable body, session temporarily unavailable
    api.invoice_query(
        {
            "subjectType": "Subject2",
            "dateRange": {
                "dateType": "Invoicing",
                "from": (now - timedelta(days=101)).isoformat(),
                "to": now.isoformat(),
            },
        }
    )
    unreadable = api.call(
        "POST", "/invoices/query/metadata", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    assert unreadable.status_code == 400
    session = api.open_session()
    sim.admin.put("/sim/faults", json={"sessionUnavailable": 1})
    assert session.send(invoice_xml(nip, random_valid_nip(), "C/" + secrets.token_hex(3))).status_code == 400
    # a token without any of the three permissions: 403 on the IZ operations
    read_only = RawKsef(sim.base_url, problem_details=problem_details)
    read_only.login(nip, sim.create_token(nip, ["CredentialsRead"]))
    assert read_only.call("POST", "/collective-identifiers/query", json=window).status_code == 403
    statuses = {(r.template, r.status) for r in api.recorded + read_only.recorded}
    for expected in [
        ("/collective-identifiers", 201),
        ("/collective-identifiers", 400),
        ("/collective-identifiers/query", 200),
        ("/collective-identifiers/query", 400),
        ("/collective-identifiers/query", 403),
        ("/collective-identifiers/ksef/{ksefNumber}", 200),
        ("/collective-identifiers/invoices", 200),
        ("/collective-identifiers/invoices", 400),
        ("/invoices/query/metadata", 400),
        ("/sessions/online/{referenceNumber}/invoices", 400),
        ("/rate-limits", 200),
    ]:
        assert expected in statuses, expected
    assert _check_all(api, read_only) > 20
    api.close()
    read_only.close()
