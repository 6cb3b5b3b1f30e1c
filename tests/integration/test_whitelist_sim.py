"""The white-list client (``ksef.whitelist``) against the simulator's ``/wl`` route over real HTTP."""

from __future__ import annotations

import asyncio
import re
import socket
from datetime import date, timedelta

import pytest

from ksef.banking import format_account
from ksef.errors import (
    WhiteListDailyLimitError,
    WhiteListInvalidAccountError,
    WhiteListInvalidDateError,
    WhiteListInvalidNipError,
    WhiteListServerError,
    WhiteListTimeoutError,
    WhiteListUnavailableError,
)
from ksef.identifiers import random_valid_nip
from ksef.offline import today_in_poland
from ksef.sim.whitelist import derived_account
from ksef.whitelist import VatStatus, WhiteListClient, WhiteListLimits
from tests.contract.flows import invoice_xml

ACCOUNT = "61109010140000071219812874"  # the account of the authored FA(3) sample
OTHER_ACCOUNT = "27114020040000300201355387"


def _register(sim, **subject) -> dict:
    response = sim.admin.post("/sim/wl/subjects", json=subject)
    assert response.status_code == 201, response.text
    return response.json()


def _requests(sim, method: str | None = None) -> list[dict]:
    params = {"method": method} if method else {}
    return sim.admin.get("/sim/wl/requests", params=params).json()["requests"]


def _client(sim, **kwargs) -> WhiteListClient:
    return WhiteListClient(sim.root_url + "/wl", **kwargs)


async def test_search_finds_an_active_subject_with_the_real_answer_shape(sim):
    nip = random_valid_nip()
    _register(sim, nip=nip, name="Hurtownia Łódź Sp. z o.o.", statusVat="Czynny",
              residenceAddress="ul. Piotrkowska 1, 90-001 Łódź", workingAddress=None,
              accountNumbers=["PL" + ACCOUNT, format_account(OTHER_ACCOUNT)], regon="123456785",
              registrationLegalDate="2019-10-01")
    raw = sim.admin.get(f"/wl/api/search/nip/{nip}", params={"date": today_in_poland().isoformat()})
    assert raw.status_code == 200
    result = raw.json()["result"]
    assert set(result) == {"subject", "requestId", "requestDateTime"}
    assert re.fullmatch(r"[a-z0-9]{5}-[a-z0-9]{8}", result["requestId"])
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}", result["requestDateTime"])
    subject = result["subject"]
    assert subject["accountNumbers"] == [ACCOUNT, OTHER_ACCOUNT]  # stored as plain 26-digit NRBs
    assert subject["representatives"] == [] and subject["pesel"] is None
    assert subject["hasVirtualAccounts"] is False

    async with _client(sim) as wl:
        found = await wl.search_nip(nip)
    assert found.found and found.nip == nip and found.date == today_in_poland()
    assert found.subject is not None
    assert found.subject.name == "Hurtownia Łódź Sp. z o.o."
    assert found.subject.status is VatStatus.ACTIVE
    assert found.subject.address == "ul. Piotrkowska 1, 90-001 Łódź"
    assert found.subject.account_numbers == (ACCOUNT, OTHER_ACCOUNT)
    assert found.subject.has_account(format_account(ACCOUNT, iban=True))
    assert not found.subject.has_account("10105000997603123456789123")
    assert found.subject.registration_legal_date == date(2019, 10, 1)
    assert found.request_id and found.request_id != result["requestId"]  # one id per answer
    assert found.requested_at is not None and found.requested_at.date() == today_in_poland()
    assert not found.from_cache


async def test_not_listed_exempt_and_unregistered(sim):
    unknown, exempt, unregistered = (random_valid_nip() for _ in range(3))
    _register(sim, nip=exempt, name="Jan Nowak Korepetycje", statusVat="Zwolniony",
              workingAddress="ul. Długa 5, 00-238 Warszawa", accountNumbers=[ACCOUNT])
    _register(sim, nip=unregistered, name="Anna Nowak", statusVat="Niezarejestrowany")
    async with _client(sim) as wl:
        missing = await wl.search_nip(unknown)
        assert not missing.found and missing.subject is None and missing.request_id
        zw = await wl.search_nip(exempt)
        assert zw.subject is not None and zw.subject.status is VatStatus.EXEMPT
        assert zw.subject.address == "ul. Długa 5, 00-238 Warszawa"
        nz = await wl.search_nip(unregistered)
        assert nz.subject is not None and nz.subject.status is VatStatus.UNREGISTERED
        assert nz.subject.account_numbers == ()
        # The check asks about an *active* taxpayer: an exempt one's listed account is NIE.
        assert (await wl.check_account(exempt, ACCOUNT)).assigned is False
        assert (await wl.check_account(unknown, ACCOUNT)).assigned is False


async def test_check_account_tak_and_nie_with_their_request_ids(sim):
    nip = random_valid_nip()
    _register(sim, nip=nip, name="Dostawca", accountNumbers=[ACCOUNT])
    async with _client(sim) as wl:
        yes = await wl.check_account(nip, "PL" + format_account(ACCOUNT))  # IBAN form, grouped
        no = await wl.check_account(nip, OTHER_ACCOUNT)
    assert yes.assigned is True and yes.account == ACCOUNT and yes.nip == nip
    assert no.assigned is False
    assert yes.request_id and no.request_id and yes.request_id != no.request_id
    assert yes.requested_at is not None
    paths = [r["path"] for r in _requests(sim, "check")]
    assert paths == [f"/wl/api/check/nip/{nip}/bank-account/{ACCOUNT}",
                     f"/wl/api/check/nip/{nip}/bank-account/{OTHER_ACCOUNT}"]


async def test_same_question_the_same_day_is_one_request(sim):
    nip = random_valid_nip()
    _register(sim, nip=nip, name="Dostawca", accountNumbers=[ACCOUNT])
    real_today = today_in_poland()
    clock = [real_today - timedelta(days=1)]
    async with _client(sim, today=lambda: clock[0]) as wl:
        first = await wl.search_nip(nip)
        again = await wl.search_nip(nip[:3] + "-" + nip[3:])  # typed differently, same NIP
        assert again.from_cache and again.request_id == first.request_id
        checks = [await wl.check_account(nip, ACCOUNT) for _ in range(3)]
        assert [c.from_cache for c in checks] == [False, True, True]
        assert len({c.request_id for c in checks}) == 1
        # both at once: the second waits for the first one's answer instead of asking too
        both = await asyncio.gather(*(wl.check_account(nip, OTHER_ACCOUNT) for _ in range(2)))
        assert both[0].request_id == both[1].request_id
        assert len(_requests(sim, "search")) == 1 and len(_requests(sim, "check")) == 2
        # another date asked about is another question
        await wl.search_nip(nip, clock[0] - timedelta(days=3))
        assert len(_requests(sim, "search")) == 2
        # a new day forgets yesterday's answers
        clock[0] = real_today
        fresh = await wl.search_nip(nip)
        assert not fresh.from_cache and fresh.request_id != first.request_id
    assert len(_requests(sim, "search")) == 3


async def test_client_keeps_to_its_daily_budget(sim):
    async with _client(sim, limits=WhiteListLimits(search_per_day=2, check_per_day=1)) as wl:
        await wl.search_nip(random_valid_nip())
        await wl.search_nip(random_valid_nip())
        with pytest.raises(WhiteListDailyLimitError) as limited:
            await wl.search_nip(random_valid_nip())
        assert limited.value.kind == "daily_limit" and limited.value.http_status == 0
        await wl.check_account(random_valid_nip(), ACCOUNT)
        with pytest.raises(WhiteListDailyLimitError):
            await wl.check_account(random_valid_nip(), ACCOUNT)
    assert len(_requests(sim, "search")) == 2 and len(_requests(sim, "check")) == 1


async def test_mf_daily_limit_stops_the_client_until_tomorrow(sim):
    assert sim.admin.put("/sim/wl/limits", json={"search": 1}).status_code == 200
    async with _client(sim) as wl:
        await wl.search_nip(random_valid_nip())
        with pytest.raises(WhiteListDailyLimitError) as over:
            await wl.search_nip(random_valid_nip())
        assert over.value.code == "WL-191" and over.value.http_status == 429
        with pytest.raises(WhiteListDailyLimitError):
            await wl.search_nip(random_valid_nip())  # refused without asking MF again
        # the check method has its own limit and still works
        assert (await wl.check_account(random_valid_nip(), ACCOUNT)).assigned is False
    assert [r["status"] for r in _requests(sim, "search")] == [200, 429]
    assert sim.admin.get("/sim/wl/limits").json()["used"] == {"search": 2, "check": 1}


@pytest.mark.parametrize(("mode", "error", "code", "status"), [
    ("error500", WhiteListServerError, "WL-100", 500),
    ("updating", WhiteListServerError, "WL-196", 400),
    ("down", WhiteListServerError, None, 503),
    ("limit", WhiteListDailyLimitError, "WL-191", 429),
])
async def test_failures_become_typed_errors_and_are_not_cached(sim, mode, error, code, status):
    nip = random_valid_nip()
    sim.admin.put("/sim/wl/failure", json={"mode": mode}).raise_for_status()
    async with _client(sim) as wl:
        with pytest.raises(error) as failed:
            await wl.search_nip(nip)
        assert failed.value.code == code and failed.value.http_status == status
        assert "biała lista" in str(failed.value)
        sim.admin.put("/sim/wl/failure", json={"mode": "none"}).raise_for_status()
        if error is WhiteListDailyLimitError:
            with pytest.raises(WhiteListDailyLimitError):  # blocked for the day, not asked again
                await wl.search_nip(nip)
        else:
            assert not (await wl.search_nip(nip)).from_cache  # the failure was not kept
    assert len(_requests(sim, "search")) == (1 if error is WhiteListDailyLimitError else 2)


async def test_timeout_and_unreachable(sim):
    sim.admin.put("/sim/wl/failure", json={"mode": "slow", "slowSeconds": 30}).raise_for_status()
    try:
        async with _client(sim, timeout=0.2) as wl:
            with pytest.raises(WhiteListTimeoutError) as slow:
                await wl.check_account(random_valid_nip(), ACCOUNT)
    finally:  # releases the held answer at once
        sim.admin.put("/sim/wl/failure", json={"mode": "none"}).raise_for_status()
    assert slow.value.kind == "timeout" and "0.2 s" in str(slow.value)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with WhiteListClient(f"http://127.0.0.1:{port}/wl") as wl:
        with pytest.raises(WhiteListUnavailableError) as down:
            await wl.search_nip(random_valid_nip())
    assert down.value.kind == "unavailable"


async def test_bad_input_is_refused_before_anything_is_sent(sim):
    async with _client(sim) as wl:
        with pytest.raises(WhiteListInvalidNipError):
            await wl.search_nip("1234567890")  # checksum
        with pytest.raises(WhiteListInvalidNipError):
            await wl.check_account("12345", ACCOUNT)
        with pytest.raises(WhiteListInvalidAccountError) as account:
            await wl.check_account(random_valid_nip(), ACCOUNT[:-1] + "5")
        assert "sumę kontrolną" in str(account.value)
        with pytest.raises(WhiteListInvalidDateError):
            await wl.search_nip(random_valid_nip(), today_in_poland() + timedelta(days=1))
    assert _requests(sim) == []


def test_sim_answers_mf_error_codes_for_bad_parameters(sim):
    nip = random_valid_nip()
    today = today_in_poland().isoformat()
    cases = [
        (f"/wl/api/search/nip/12345?date={today}", 400, "WL-113"),
        (f"/wl/api/search/nip/12345abcde?date={today}", 400, "WL-114"),
        (f"/wl/api/search/nip/1234567890?date={today}", 400, "WL-115"),
        (f"/wl/api/search/nip/{nip}", 400, "WL-101"),
        (f"/wl/api/search/nip/{nip}?date=20261204", 400, "WL-102"),
        (f"/wl/api/search/nip/{nip}?date=2099-01-01", 400, "WL-103"),
        (f"/wl/api/search/nip/{nip}?date=2019-08-31", 400, "WL-118"),
        (f"/wl/api/check/nip/{nip}/bank-account/123?date={today}", 400, "WL-109"),
        (f"/wl/api/check/nip/{nip}/bank-account/6110901014000007121981287X?date={today}", 400, "WL-110"),
        (f"/wl/api/check/nip/{nip}/bank-account/{ACCOUNT[:-1]}5?date={today}", 400, "WL-111"),
    ]
    for path, status, code in cases:
        response = sim.admin.get(path)
        assert (response.status_code, response.json()["code"]) == (status, code), path
        assert set(response.json()) == {"code", "message"} and response.json()["message"]
    assert "Nieprawidłowy NIP (1234567890)." == sim.admin.get(cases[2][0]).json()["message"]


async def test_sandbox_defaults_ksef_subjects_and_invoice_sellers_are_listed(sim):
    subject_nip, _ = sim.create_subject()
    seller, buyer = random_valid_nip(), random_valid_nip()
    sim.inject_invoice(invoice_xml(seller, buyer, "FV/7/2026"))
    async with _client(sim) as wl:
        ksef_subject = await wl.search_nip(subject_nip)
        assert ksef_subject.subject is not None and ksef_subject.subject.status is VatStatus.ACTIVE
        assert ksef_subject.subject.account_numbers == (derived_account(subject_nip),)
        assert (await wl.check_account(subject_nip, derived_account(subject_nip))).assigned
        from_invoice = await wl.search_nip(seller)
        assert from_invoice.subject is not None
        assert from_invoice.subject.name == "Jan Kowalski Usługi Informatyczne"
        assert from_invoice.subject.address == "ul. Przykładowa 1/2, 00-001 Warszawa"
        assert from_invoice.subject.account_numbers == (ACCOUNT,)
        assert (await wl.check_account(seller, ACCOUNT)).assigned
        # a registered subject overrides what the invoices say
        _register(sim, nip=seller, name="Jan Kowalski", statusVat="Zwolniony", accountNumbers=[])
        assert not (await wl.check_account(seller, ACCOUNT, today_in_poland() - timedelta(days=1))).assigned
        assert sim.admin.delete(f"/sim/wl/subjects/{seller}").status_code == 204
        assert (await wl.check_account(seller, ACCOUNT, today_in_poland() - timedelta(days=2))).assigned


def test_admin_api_refuses_bad_input(sim):
    bad = [
        {"nip": "1234567890", "name": "X"},
        {"nip": random_valid_nip(), "name": ""},
        {"nip": random_valid_nip(), "name": "X", "statusVat": "Aktywny"},
        {"nip": random_valid_nip(), "name": "X", "accountNumbers": [ACCOUNT[:-1] + "5"]},
    ]
    for body in bad:
        response = sim.admin.post("/sim/wl/subjects", json=body)
        assert response.status_code == 400 and response.json()["error"], body
    assert sim.admin.put("/sim/wl/failure", json={"mode": "broken"}).status_code == 400
    assert sim.admin.put("/sim/wl/limits", json={"search": -1}).status_code == 400
    assert sim.admin.delete(f"/sim/wl/subjects/{random_valid_nip()}").status_code == 404
