"""The 100-day metadata query range (KSeF API 2.7.1): the simulator refuses more, the client splits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ksef.client import KsefClient
from ksef.identifiers import random_valid_nip
from ksef.sync import cursor_at
from tests.contract.flows import RawKsef, invoice_xml
from tests.fixtures.sim import SimHandle

WARSAW = ZoneInfo("Europe/Warsaw")


def _query(api: RawKsef, start: datetime, end: datetime, date_type: str = "Invoicing") -> tuple[int, dict]:
    body = {
        "subjectType": "Subject2",
        "dateRange": {"dateType": date_type, "from": start.isoformat(), "to": end.isoformat()},
    }
    response = api.invoice_query(body)
    return response.status_code, response.json()


def _code(body: dict) -> int:
    return int(body["exception"]["exceptionDetailList"][0]["exceptionCode"])


def test_101_days_refused_100_accepted_counted_in_utc(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    api = RawKsef(sim.base_url)
    api.login(nip, token)
    # 00:30 in Warsaw is 23:30 of the day before in UTC: the range is measured in UTC
    start = datetime(2026, 1, 1, 0, 30, tzinfo=WARSAW)
    in_utc = start.astimezone(UTC)
    status, _ = _query(api, start, in_utc + timedelta(days=100))
    assert status == 200
    status, body = _query(api, start, in_utc + timedelta(days=101))
    assert status == 400 and _code(body) == 21405
    assert "100 days" in " ".join(body["exception"]["exceptionDetailList"][0]["details"])
    # one microsecond over is over
    status, body = _query(api, start, in_utc + timedelta(days=100, microseconds=1))
    assert status == 400 and _code(body) == 21405
    # across the spring DST change: 100 UTC days end at 01:00 on Warsaw's wall clock, still accepted ...
    spring = datetime(2026, 3, 1, 0, 0, tzinfo=WARSAW)
    status, _ = _query(api, spring, datetime(2026, 6, 9, 1, 0, tzinfo=WARSAW))
    assert status == 200
    # ... and across the autumn change, "+100 days" on the Warsaw wall clock is an hour too long
    autumn = datetime(2026, 9, 1, 0, 0, tzinfo=WARSAW)
    status, body = _query(api, autumn, datetime(2026, 12, 10, 0, 0, tzinfo=WARSAW))
    assert status == 400 and _code(body) == 21405
    status, _ = _query(api, autumn, datetime(2026, 12, 9, 23, 0, tzinfo=WARSAW))
    assert status == 200
    # the rule is the same for every date type (the longer range used to be 3 calendar months)
    status, _ = _query(api, start, in_utc + timedelta(days=100), date_type="Issue")
    assert status == 200
    api.close()


async def test_client_walks_an_old_cursor_in_utc_pieces_the_simulator_accepts(sim: SimHandle) -> None:
    buyer, token = sim.create_subject()
    seller = random_valid_nip()
    now = datetime.now(UTC)
    stored = [now - timedelta(days=days) for days in (250, 160, 101, 3)]
    numbers = [
        sim.inject_invoice(invoice_xml(seller, buyer, f"W/{i}"), permanentStorageDate=at.isoformat())
        for i, at in enumerate(stored)
    ]
    sim.admin.delete("/sim/requests")
    async with KsefClient(sim.base_url, nip=buyer, token=token, pace=False) as client:
        batch = await client.received_since(cursor_at(now - timedelta(days=260)))
    assert batch.complete and [i.ksef_number for i in batch.invoices] == numbers
    queries = sim.admin.get("/sim/requests", params={"path": "/invoices/query/metadata"}).json()["requests"]
    # 260 days need at least three windows; every one was accepted (none over 100 days)
    assert len(queries) >= 3 and all(q["status"] == 200 for q in queries)
