"""Metadata queries on the simulator: paging, truncation, HWM guarantee, 21183, download errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from ksef.identifiers import random_valid_nip
from tests.contract.flows import RawKsef, invoice_xml


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def _buyer(sim) -> tuple[RawKsef, str]:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    return api, nip


def _filters(from_: datetime, subject: str = "Subject2", restrict: bool = False, **extra) -> dict:
    return {
        "subjectType": subject,
        "dateRange": {
            "dateType": "PermanentStorage",
            "from": _iso(from_),
            "restrictToPermanentStorageHwmDate": restrict,
        },
        **extra,
    }


def _exception_code(response) -> int:
    return int(response.json()["exception"]["exceptionDetailList"][0]["exceptionCode"])


def test_buyer_sees_subject2_seller_sees_subject1_and_paging(sim):
    sim.set_limits({"enabled": False})
    start = datetime.now(UTC) - timedelta(minutes=1)
    api, buyer = _buyer(sim)
    seller = random_valid_nip()
    numbers = sim.inject_bulk(seller, buyer, 25)
    assert len(set(numbers)) == 25
    seen: list[str] = []
    for offset in range(3):
        page = api.invoice_query(_filters(start), pageOffset=offset, pageSize=10).json()
        seen += [i["ksefNumber"] for i in page["invoices"]]
        assert page["hasMore"] == (offset < 2)
        assert page["isTruncated"] is False
    assert seen == numbers  # ascending by permanent-storage date
    first = api.invoice_query(_filters(start), pageSize=10).json()["invoices"][0]
    assert first["seller"]["nip"] == seller and first["buyer"]["identifier"] == {
        "type": "Nip",
        "value": buyer,
    }
    assert first["grossAmount"] == round(first["netAmount"] + first["vatAmount"], 2)
    # the same invoices are not Subject1 of the buyer
    assert api.invoice_query(_filters(start, "Subject1")).json()["invoices"] == []
    desc = api.invoice_query(_filters(start), pageSize=10, sortOrder="Desc").json()["invoices"]
    assert [i["ksefNumber"] for i in desc] == list(reversed(numbers))[:10]
    # filters
    one = api.invoice_query(_filters(start, ksefNumber=numbers[3])).json()["invoices"]
    assert [i["ksefNumber"] for i in one] == [numbers[3]]
    assert api.invoice_query(_filters(start, sellerNip=random_valid_nip())).json()["invoices"] == []
    assert (
        len(
            api.invoice_query(
                _filters(start, amount={"type": "Netto", "from": 100.0, "to": 100.05}), pageSize=10
            ).json()["invoices"]
        )
        == 6
    )
    api.close()


def test_truncation_and_continuation_from_last_date(sim):
    sim.set_limits({"enabled": False})
    sim.configure(queryCap=20)
    start = datetime.now(UTC) - timedelta(minutes=1)
    api, buyer = _buyer(sim)
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 45)
    collected: list[str] = []
    from_, offset, rounds = start, 0, 0
    while True:
        rounds += 1
        assert rounds < 20
        page = api.invoice_query(_filters(from_), pageOffset=offset, pageSize=10).json()
        collected += [i["ksefNumber"] for i in page["invoices"]]
        if not page["hasMore"]:
            break
        if page["isTruncated"]:
            from_ = datetime.fromisoformat(page["invoices"][-1]["permanentStorageDate"])
            offset = 0
        else:
            offset += 1
    assert list(dict.fromkeys(collected)) == numbers
    api.close()


def test_hwm_lags_and_no_invoice_appears_at_or_below_a_reported_hwm(sim):
    sim.configure(hwmLagSeconds=0.3, storageDelaySeconds=0.5)
    start = datetime.now(UTC) - timedelta(minutes=1)
    api, buyer = _buyer(sim)
    xml = invoice_xml(random_valid_nip(), buyer, "HWM/1")
    number = sim.inject_invoice(xml)
    first = api.invoice_query(_filters(start, restrict=True)).json()
    hwm1 = datetime.fromisoformat(first["permanentStorageHwmDate"])
    assert first["invoices"] == []  # stored 0.5 s after acquisition: not yet visible
    assert hwm1 < datetime.now(UTC)
    # injecting at or below the reported HWM is refused: that is the guarantee
    late = sim.admin.post(
        "/sim/invoices",
        content=invoice_xml(random_valid_nip(), buyer, "HWM/2"),
        params={"permanentStorageDate": _iso(hwm1)},
    )
    assert late.status_code == 409
    time.sleep(1.0)
    second = api.invoice_query(_filters(start, restrict=True)).json()
    hwm2 = datetime.fromisoformat(second["permanentStorageHwmDate"])
    assert hwm2 >= hwm1
    visible = [i["ksefNumber"] for i in second["invoices"]]
    assert visible == [number]
    assert all(datetime.fromisoformat(i["permanentStorageDate"]) <= hwm2 for i in second["invoices"])
    # HWM < from <= now → 21183 (a longer lag keeps the HWM still while this runs)
    sim.configure(hwmLagSeconds=30)
    beyond = api.invoice_query(_filters(hwm2 + timedelta(milliseconds=100), restrict=True))
    assert beyond.status_code == 400 and _exception_code(beyond) == 21183
    # from later than "to" (omitted: now) is a validation error first, as KSeF answers (CIRFMF/ksef-api #709)
    future = api.invoice_query(_filters(datetime.now(UTC) + timedelta(minutes=5), restrict=True))
    assert future.status_code == 400 and _exception_code(future) == 21405
    api.close()


def test_hwm_never_passes_an_unstored_invoice(sim):
    sim.configure(hwmLagSeconds=0, storageDelaySeconds=3)
    start = datetime.now(UTC) - timedelta(minutes=1)
    api, buyer = _buyer(sim)
    sim.inject_invoice(invoice_xml(random_valid_nip(), buyer, "HWM/3"))
    psd = next(iter(sim.state.invoices.values())).permanent_storage_date
    time.sleep(0.2)
    page = api.invoice_query(_filters(start, restrict=True)).json()
    assert datetime.fromisoformat(page["permanentStorageHwmDate"]) < psd
    api.close()


def test_range_and_page_size_validation_and_download_errors(sim):
    api, _ = _buyer(sim)
    old = datetime.now(UTC) - timedelta(days=120)
    too_long = api.invoice_query(_filters(old))
    assert too_long.status_code == 400 and _exception_code(too_long) == 21405
    assert api.invoice_query(_filters(datetime.now(UTC)), pageSize=5).status_code == 400
    missing = api.call(
        "GET", "/invoices/ksef/{ksefNumber}", "/invoices/ksef/5265877635-20250826-0100001AF629-AF"
    )
    assert missing.status_code == 400 and _exception_code(missing) == 21164
    api.close()


def test_download_not_yet_stored_is_21165(sim):
    sim.configure(storageDelaySeconds=30)
    api, buyer = _buyer(sim)
    number = sim.inject_invoice(invoice_xml(random_valid_nip(), buyer, "LATE/1"))
    response = api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}")
    assert response.status_code == 400 and _exception_code(response) == 21165
    api.close()


def test_injected_invoice_with_bad_schema_is_refused_clearly(sim):
    response = sim.admin.post(
        "/sim/invoices", content=b"<Faktura/>", headers={"content-type": "application/xml"}
    )
    assert response.status_code == 400
    assert "FA(3)" in response.json()["error"]


def test_default_cap_of_10000_records_truncates(sim):
    sim.set_limits({"enabled": False})
    start = datetime.now(UTC) - timedelta(minutes=1)
    api, buyer = _buyer(sim)
    numbers = sim.inject_bulk(random_valid_nip(), buyer, 10_050)
    last_page = api.invoice_query(_filters(start), pageOffset=39, pageSize=250).json()
    assert last_page["isTruncated"] is True and last_page["hasMore"] is True
    assert last_page["invoices"][-1]["ksefNumber"] == numbers[9_999]
    beyond = datetime.fromisoformat(last_page["invoices"][-1]["permanentStorageDate"])
    rest = api.invoice_query(_filters(beyond), pageSize=250).json()
    assert rest["isTruncated"] is False and rest["hasMore"] is False
    assert [i["ksefNumber"] for i in rest["invoices"]] == numbers[9_999:]
    api.close()


def test_invoice_sent_by_seller_reaches_buyer_as_subject2(sim):
    sim.configure(hwmLagSeconds=0)
    start = datetime.now(UTC) - timedelta(minutes=1)
    seller_api, seller = _buyer(sim)
    buyer_api, buyer = _buyer(sim)
    session = seller_api.open_session()
    xml = invoice_xml(seller, buyer, "E2E/1")
    status = session.invoice_status(session.send(xml).json()["referenceNumber"])
    number = status["ksefNumber"]
    time.sleep(0.01)  # let "now" pass the storage date so the HWM can cover it
    page = buyer_api.invoice_query(_filters(start, restrict=True)).json()
    assert [i["ksefNumber"] for i in page["invoices"]] == [number]
    meta = page["invoices"][0]
    assert meta["invoiceNumber"] == "E2E/1" and meta["invoicingMode"] == "Online"
    assert meta["acquisitionDate"] == status["acquisitionDate"]
    mine = seller_api.invoice_query(_filters(start, "Subject1")).json()["invoices"]
    assert [i["ksefNumber"] for i in mine] == [number]
    for date_type in ("Issue", "Invoicing"):
        by_type = {"subjectType": "Subject2", "dateRange": {"dateType": date_type, "from": _iso(start)}}
        assert [i["ksefNumber"] for i in buyer_api.invoice_query(by_type).json()["invoices"]] == [number]
    assert buyer_api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}").content == xml
    # a third company sees nothing and cannot download it
    other_api, _ = _buyer(sim)
    assert other_api.invoice_query(_filters(start)).json()["invoices"] == []
    assert other_api.call("GET", "/invoices/ksef/{ksefNumber}", f"/invoices/ksef/{number}").status_code == 400
    for api in (seller_api, buyer_api, other_api):
        api.close()
