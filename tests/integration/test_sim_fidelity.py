"""Simulator fidelity to KSeF API 2.9.0: storage after acquisition, global duplicate key, the TEST-only
certificate update, the currency codes added in 2.8.0."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ksef.certs import load_key_pair
from ksef.client import KsefClient
from ksef.errors import CertificateRejectedError
from ksef.fa3.codes import currency_codes
from ksef.identifiers import random_valid_nip
from tests.contract.flows import RawKsef, invoice_xml
from tests.fixtures.sim import SimHandle

_serial = itertools.count(1)

arrival = st.one_of(
    st.tuples(
        st.just("inject"),
        st.sampled_from(["now", "past", "future", "acquired"]),
        st.floats(min_value=0.0, max_value=5.0),
    ),
    st.tuples(
        st.just("bulk"), st.integers(min_value=1, max_value=4), st.floats(min_value=0.0, max_value=3.0)
    ),
    st.tuples(st.just("send"), st.integers(min_value=1, max_value=3), st.just(0.0)),
    st.tuples(st.just("storage"), st.sampled_from([0.0, 0.001, 0.3]), st.just(0.0)),
)


def _check_dates(body: dict[str, Any]) -> int:
    acquired, stored = body.get("acquisitionDate"), body.get("permanentStorageDate")
    if acquired is None or stored is None:
        return 0
    assert datetime.fromisoformat(acquired) < datetime.fromisoformat(stored), body
    return 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pattern=st.lists(arrival, min_size=1, max_size=6))
def test_permanent_storage_is_always_strictly_after_acquisition(
    sim: SimHandle, pattern: list[tuple[str, Any, float]]
) -> None:
    sim.set_limits({"enabled": False})  # many logins in a row: not what this test is about
    buyer = random_valid_nip()
    seller, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(seller, token)
    session = api.open_session()
    sent: list[str] = []
    for kind, option, amount in pattern:
        now = datetime.now(UTC)
        if kind == "inject":
            params = {
                "now": {},
                "past": {"permanentStorageDate": (now - timedelta(seconds=amount)).isoformat()},
                "future": {"permanentStorageDate": (now + timedelta(seconds=amount)).isoformat()},
                "acquired": {"acquisitionDate": (now - timedelta(seconds=amount)).isoformat()},
            }[option]
            answer = sim.admin.post(
                "/sim/invoices",
                params=params,
                headers={"content-type": "application/xml"},
                content=invoice_xml(random_valid_nip(), buyer, f"P/{next(_serial)}"),
            )
            assert answer.status_code in (200, 409)  # 409: at or below a reported HWM, refused as KSeF would
        elif kind == "bulk":
            sim.inject_bulk(random_valid_nip(), buyer, option, spread_seconds=amount)
        elif kind == "send":
            for _ in range(option):
                answer = session.send(invoice_xml(seller, buyer, f"P/{next(_serial)}"))
                sent.append(answer.json()["referenceNumber"])
        else:
            sim.configure(storageDelaySeconds=option)
    for ref in sent:  # what the seller's status answers show (storage date once it has passed)
        _check_dates(session.invoice_status(ref, wait=False))
    with sim.state.lock:  # every invoice ever stored, by any route
        assert all(inv.acquisition_date < inv.permanent_storage_date for inv in sim.state.invoices.values())
    buyer_api = RawKsef(sim.base_url)
    buyer_api.login(buyer, sim.create_token(buyer, ["InvoiceRead"]))
    listed = buyer_api.invoice_query(
        {
            "subjectType": "Subject2",
            "dateRange": {
                "dateType": "Invoicing",
                "from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            },
        },
        pageSize=250,
    )
    items = listed.json()["invoices"]
    assert sum(_check_dates(item) for item in items) == len(items)  # metadata always has both dates
    api.close()
    buyer_api.close()


def test_duplicates_are_keyed_on_seller_type_and_number_across_sessions(sim: SimHandle) -> None:
    seller, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(seller, token)
    number = "D/" + secrets.token_hex(3)
    # issued earlier outside this client (injected as from the seller), then sent to another buyer
    original = sim.inject_invoice(invoice_xml(seller, random_valid_nip(), number))
    session = api.open_session()
    twin = session.invoice_status(
        session.send(invoice_xml(seller, random_valid_nip(), number)).json()["referenceNumber"]
    )
    assert twin["status"]["code"] == 440
    assert twin["status"]["extensions"]["originalKsefNumber"] == original
    # the same number by another seller is no duplicate (the key is seller NIP + RodzajFaktury + P_2)
    other_seller, other_token = sim.create_subject()
    other = RawKsef(sim.base_url)
    other.login(other_seller, other_token)
    other_session = other.open_session()
    same_number = other_session.invoice_status(
        other_session.send(invoice_xml(other_seller, random_valid_nip(), number)).json()["referenceNumber"]
    )
    assert same_number["status"]["code"] == 200
    api.close()
    other.close()


async def test_testdata_certificate_validity_can_only_be_shortened(sim: SimHandle, tmp_path: Any) -> None:
    nip, token = sim.create_subject()
    issued = sim.issue_certificate(nip, "Authentication", "haslo-1234", "EC")
    serial = issued["serialNumber"]
    api = RawKsef(sim.base_url, problem_details=True)
    api.login(nip, token)
    path = f"/testdata/certificates/{serial}"
    later = api.call(
        "PUT",
        "/testdata/certificates/{serialNumber}",
        path,
        json={"validTo": (datetime.now(UTC) + timedelta(days=3650)).isoformat()},
    )
    assert later.status_code == 400 and later.json()["errors"][0]["code"] == 21405
    soon = datetime.now(UTC) + timedelta(days=3)
    assert (
        api.call(
            "PUT", "/testdata/certificates/{serialNumber}", path, json={"validTo": soon.isoformat()}
        ).status_code
        == 200
    )
    listed = api.call("POST", "/certificates/query", json={"certificateSerialNumber": serial}).json()
    assert datetime.fromisoformat(listed["certificates"][0]["validTo"]) == soon
    # another subject's certificate: "no such certificate"
    stranger, stranger_token = sim.create_subject()
    other = RawKsef(sim.base_url, problem_details=True)
    other.login(stranger, stranger_token)
    refused = other.call(
        "PUT", "/testdata/certificates/{serialNumber}", path, json={"validTo": soon.isoformat()}
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["code"] == 25008
    # shortened into the past: the certificate is expired and logs in no more
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert (
        api.call(
            "PUT", "/testdata/certificates/{serialNumber}", path, json={"validTo": past.isoformat()}
        ).status_code
        == 200
    )
    listed = api.call("POST", "/certificates/query", json={"certificateSerialNumber": serial}).json()
    assert listed["certificates"][0]["status"] == "Expired"
    cert = load_key_pair(issued["key"].encode(), issued["cert"].encode(), "haslo-1234")
    async with KsefClient(sim.base_url, nip=nip, certificate=cert, pace=False) as client:
        with pytest.raises(CertificateRejectedError, match="wygas"):
            await client.authenticate()
    api.close()
    other.close()


def test_currency_codes_of_2_8_0_are_accepted_where_the_api_takes_currency_codes(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    window = {"dateType": "Invoicing", "from": (datetime.now(UTC) - timedelta(days=1)).isoformat()}
    new_codes = ["CNH", "VED", "XTS", "ZWG"]
    accepted = api.invoice_query({"subjectType": "Subject2", "dateRange": window, "currencyCodes": new_codes})
    assert accepted.status_code == 200
    refused = api.invoice_query({"subjectType": "Subject2", "dateRange": window, "currencyCodes": ["XXQ"]})
    assert refused.status_code == 400
    numbers = sim.inject_bulk(random_valid_nip(), nip, 2)
    created = api.call(
        "POST",
        "/collective-identifiers",
        json={
            "invoices": [
                {"ksefNumber": numbers[0], "payment": {"amount": 10.5, "currency": "ZWG"}},
                {"ksefNumber": numbers[1], "payment": {"amount": 1, "currency": "CNH"}},
            ]
        },
    )
    assert created.status_code == 201
    api.close()
    # FA(3) keeps its own list (TKodWaluty of the XSD): what the XSD does not define stays refused there
    assert "PLN" in currency_codes() and not set(new_codes) <= currency_codes()


async def test_subject_identifier_validation_feature_checks_nips_as_production_does(sim: SimHandle) -> None:
    seller, token = sim.create_subject()
    bad_buyer = "5265877636"  # a checksum error
    # a session opened without the feature header: TEST does not check NIP checksums
    api = RawKsef(sim.base_url)
    api.login(seller, token)
    session = api.open_session()
    plain = session.invoice_status(
        session.send(invoice_xml(seller, bad_buyer, "N/1")).json()["referenceNumber"]
    )
    assert plain["status"]["code"] == 200
    api.close()
    # the client opens its sessions with X-KSeF-Feature: subject-identifier-validation when asked to
    async with KsefClient(
        sim.base_url, nip=seller, token=token, pace=False, subject_identifier_validation=True
    ) as client:
        checked = await client.send_invoice(invoice_xml(seller, bad_buyer, "N/2"))
        assert checked.status_code == 450 and any(bad_buyer in d for d in checked.details)
        good = await client.send_invoice(invoice_xml(seller, random_valid_nip(), "N/3"))
        assert good.is_accepted
