"""The availability service against the simulator's status service and API switches.

Real SQLite database, real HTTP to the simulator (Latarnia and the public probe endpoint); time is an
injected clock so damping windows pass without waiting.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.services.access import ensure_user
from bot.services.availability import (
    AVAILABILITY_ALERT,
    AvailabilityAlert,
    AvailabilityService,
    HttpStatusSource,
)
from bot.store.db import Database
from bot.store.models import Certificate, Company, CompanyMember
from bot.store.models_outbox import OutboxRow
from ksef.availability import Availability, AvailabilityConfig
from ksef.environments import resolve_environment
from tests.fixtures.bot import MutableClock

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def failure_message(event_id: int = 2001, kind: str = "FAILURE_START", *, category: str = "FAILURE",
                    start: datetime = T0, end: datetime | None = None,
                    published: datetime = T0) -> dict[str, Any]:
    return {"id": f"K/2026/AWR/{event_id}-{kind}", "eventId": event_id, "category": category, "type": kind,
            "title": "Awaria KSeF" if kind != "FAILURE_END" else "Koniec awarii KSeF",
            "text": "Trwa awaria systemu KSeF.", "start": start.isoformat(),
            "end": end.isoformat() if end else None, "version": 1, "published": published.isoformat()}


STATIC_TEST_MESSAGE = {
    "id": "K/2026/AWR/02", "eventId": 1003, "category": "TOTAL_FAILURE", "type": "FAILURE_START",
    "title": "Wystąpiła całkowita awaria", "text": "Od godziny 13:27 31 stycznia trwa całkowita awaria...",
    "start": "2026-01-31T11:27:00+00:00", "end": None, "version": 1, "published": "2026-01-31T11:35:00+00:00",
}


class RecordingOfflineQueue:
    """Stands in for the offline queue: invoices waiting per user."""

    def __init__(self, counts: dict[int, int]) -> None:
        self.counts = counts

    async def queued_counts(self, user_ids: Sequence[int]) -> dict[int, int]:
        return {u: self.counts[u] for u in user_ids if u in self.counts}


@dataclass(frozen=True)
class QueuedAlert:
    user_id: int
    transition_id: int
    text: str


async def queued_alerts(db: Database) -> list[QueuedAlert]:
    """The availability alerts waiting in the outbox (one per user and transition)."""
    async with db.transaction() as session:
        rows = (await session.execute(select(OutboxRow).where(
            OutboxRow.kind == AVAILABILITY_ALERT.name, OutboxRow.status == "pending"))).scalars().all()
        alerts = [(r.user_id, AvailabilityAlert.from_json(r.payload)) for r in rows]
    return [QueuedAlert(u or 0, a.transition_id, a.text) for u, a in alerts]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'av.sqlite'}")
    await database.migrate()
    async with database.transaction() as session:
        for user_id in (101, 102, 103):
            await ensure_user(session, user_id, user_id, "en" if user_id == 103 else "pl")
    yield database
    await database.dispose()


async def give_offline_certificate(db: Database, user_id: int) -> None:
    """A company of ``user_id`` holding a valid Offline certificate (its files do not matter here)."""
    async with db.transaction() as session:
        company = Company(nip="5260250274", environment="sim")
        session.add(company)
        await session.flush()
        session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
        session.add(Certificate(company_id=company.id, name="QR", cert_type="Offline", key_type="EC",
                                serial_hex="01", not_before=T0 - timedelta(days=1),
                                not_after=T0 + timedelta(days=365), cert_der=b"-", key_blob=b"-"))


def service(db: Database, sim: Any, clock: MutableClock, queued: RecordingOfflineQueue | None = None,
            **config: Any) -> AvailabilityService:
    env = resolve_environment(sim.base_url)
    cfg = AvailabilityConfig(environment=config.pop("environment", "prod"), **config)
    return AvailabilityService(db, "sim", clock, source=HttpStatusSource(env, timeout=5.0), config=cfg,
                               queued=queued)


async def check(svc: AvailabilityService) -> list[int]:
    """One monitoring round; the ids of the transitions it stored."""
    return list((await svc.check()).transitions)


def fixed_clock(at: datetime = T0) -> MutableClock:
    clock = MutableClock()
    clock.set(at)
    return clock


async def test_failure_and_recovery_are_stored_and_prepared_once_per_user(db: Database, sim: Any) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock, RecordingOfflineQueue({101: 3}))
    await give_offline_certificate(db, 102)
    assert await check(svc) == []  # all well: nothing to say

    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    clock.advance(timedelta(minutes=1))
    [failure] = await check(svc)
    clock.advance(timedelta(minutes=1))
    assert await check(svc) == []  # the same failure again: no second announcement
    assert (await svc.current()).state is Availability.FAILURE

    rows = await queued_alerts(db)
    assert sorted(r.user_id for r in rows) == [101, 102, 103]
    assert {r.transition_id for r in rows} == {failure}
    polish = next(r.text for r in rows if r.user_id == 101)
    assert "awaryjny" in polish and "7 dni roboczych" in polish
    # The bot sends the offline invoices itself; the user is not told to.
    assert "wyślę do KSeF sam" in polish and "wyślij" not in polish
    # Without an offline certificate: how to get one; with one: the two QR codes.
    assert "/offline" in polish and "oba kody QR" not in polish
    holder = next(r.text for r in rows if r.user_id == 102)
    assert "oba kody QR" in holder and "/offline" not in holder
    assert "Awaria KSeF" in polish  # the official title is quoted
    assert "Emergency mode" in next(r.text for r in rows if r.user_id == 103)

    ended = T0 + timedelta(minutes=5)
    sim.set_availability(latarnia={"status": "AVAILABLE", "messages": [
        failure_message(), failure_message(kind="FAILURE_END", start=ended, end=ended, published=ended)]})
    clock.advance(timedelta(minutes=5))
    observed = await svc.check()
    [recovery] = observed.transitions
    assert observed.recovered  # the job that ran the round uploads the offline queue now
    texts = {r.user_id: r.text for r in await queued_alerts(db) if r.transition_id == recovery}
    assert "KSeF znowu działa" in texts[101] and "w kolejce: 3" in texts[101]
    assert "Nie masz faktur offline" in texts[102]
    stored = await svc.transitions()
    assert [(s.from_state, s.to_state) for s in stored] == [("AVAILABLE", "FAILURE"),
                                                            ("FAILURE", "AVAILABLE")]


async def test_state_survives_a_new_service_instance(db: Database, sim: Any) -> None:
    """After a restart the stored snapshot is the starting point: a known failure is not re-announced."""
    clock = fixed_clock()
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    assert len(await check(service(db, sim, clock))) == 1
    again = service(db, sim, clock)
    clock.advance(timedelta(minutes=1))
    assert await check(again) == []
    assert (await again.current()).state is Availability.FAILURE


async def test_status_service_outage_alone_raises_nothing(db: Database, sim: Any) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock)
    sim.set_availability(latarnia="down")
    for _ in range(10):
        clock.advance(timedelta(minutes=1))
        assert await check(svc) == []
    state = await svc.current()
    assert state.state is Availability.AVAILABLE and not state.latarnia_reachable
    assert await queued_alerts(db) == []


async def test_latarnia_outage_keeps_an_announced_failure(db: Database, sim: Any) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock)
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    assert len(await check(svc)) == 1
    sim.set_availability(latarnia="down")
    clock.advance(timedelta(minutes=1))
    assert await check(svc) == []
    assert (await svc.current()).state is Availability.FAILURE


@pytest.mark.parametrize("environment", ["test", "demo"])
async def test_static_test_environment_message_raises_nothing(db: Database, sim: Any,
                                                               environment: str) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock, environment=environment)
    sim.set_availability(latarnia={"status": "TOTAL_FAILURE", "messages": [STATIC_TEST_MESSAGE]})
    for _ in range(3):
        clock.advance(timedelta(minutes=1))
        assert await check(svc) == []
    assert (await svc.current()).state is Availability.AVAILABLE


async def test_static_message_rule_can_be_switched_off(db: Database, sim: Any) -> None:
    """The same answer on an environment without the rule is a total failure (the rule is what hides it)."""
    clock = fixed_clock()
    svc = service(db, sim, clock, environment="test", ignore_static_test_message=False)
    sim.set_availability(latarnia={"status": "TOTAL_FAILURE", "messages": [STATIC_TEST_MESSAGE]})
    [_] = await check(svc)
    assert (await svc.current()).state is Availability.TOTAL_FAILURE


async def test_flapping_api_raises_no_alert_storm(db: Database, sim: Any) -> None:
    """KSeF up and down every 3 seconds for 3 minutes: no transition; a real outage: exactly one."""
    clock = fixed_clock()
    svc = service(db, sim, clock)
    for i in range(60):
        sim.set_availability(api="down" if i % 2 else "up")
        clock.advance(timedelta(seconds=3))
        assert await check(svc) == []
    sim.set_availability(api="down")
    found: list[int] = []
    for _ in range(10):
        clock.advance(timedelta(seconds=30))
        found += await check(svc)
    assert len(found) == 1
    assert (await svc.current()).state is Availability.DEGRADED
    [row] = [r for r in await svc.transitions() if r.id == found[0]]
    assert row.to_state == "DEGRADED" and row.info["offline_mode"] == "offline24"


async def test_maintenance_announcement_respects_opt_out(db: Database, sim: Any) -> None:
    clock = fixed_clock()
    svc = service(db, sim, clock)
    await svc.set_maintenance_muted(102, True)
    start, end = T0 + timedelta(days=2), T0 + timedelta(days=2, hours=4)
    announcement = {"id": "K/2026/PLN/7", "eventId": 3001, "category": "MAINTENANCE",
                    "type": "MAINTENANCE_ANNOUNCEMENT", "title": "Prace serwisowe",
                    "text": "Planowane prace.",
                    "start": start.isoformat(), "end": end.isoformat(), "version": 1,
                    "published": T0.isoformat()}
    sim.set_availability(latarnia={"status": "AVAILABLE", "messages": [announcement]})
    [announced] = await check(svc)
    rows = await queued_alerts(db)
    assert sorted(r.user_id for r in rows if r.transition_id == announced) == [101, 103]
    assert "Zapowiedziano prace serwisowe" in next(r.text for r in rows if r.user_id == 101)

    clock.set(start + timedelta(minutes=1))  # the window began: offline mode for everybody
    [began] = await check(svc)
    rows = await queued_alerts(db)
    assert sorted(r.user_id for r in rows if r.transition_id == began) == [101, 102, 103]
    assert "tryb offline" in next(r.text for r in rows if r.transition_id == began and r.user_id == 102)
