"""KSeF availability state machine: simulated time, no sleeping, no network."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from ksef.availability import (
    Availability,
    AvailabilityConfig,
    AvailabilityMonitor,
    CallKind,
    Transition,
    offline_guidance,
)
from ksef.offline import OfflineMode

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday (10:00 in Warsaw)

# What the TEST Latarnia has served for months (docs/ksef.md#availability-latarnia).
STATIC_TEST_PAYLOAD: dict[str, Any] = {"status": "TOTAL_FAILURE", "messages": [{
    "id": "K/2026/AWR/02", "eventId": 1003, "category": "TOTAL_FAILURE", "type": "FAILURE_START",
    "title": "Wystąpiła całkowita awaria", "text": "Od godziny 13:27 31 stycznia trwa całkowita awaria...",
    "start": "2026-01-31T11:27:00+00:00", "end": None, "version": 1,
    "published": "2026-01-31T11:35:00+00:00"}]}


def msg(id_: str, event: int, category: str, type_: str, *, start: datetime | None,
        end: datetime | None = None, published: datetime | None = None) -> dict[str, Any]:
    return {"id": id_, "eventId": event, "category": category, "type": type_, "title": "Komunikat",
            "text": "Treść komunikatu", "start": start.isoformat() if start else None,
            "end": end.isoformat() if end else None, "version": 1,
            "published": (published or start or T0).isoformat()}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# --- Latarnia --------------------------------------------------------------------------------------

@pytest.mark.parametrize("env", ["test", "demo"])
def test_static_test_message_raises_nothing(env: str) -> None:
    monitor = AvailabilityMonitor(AvailabilityConfig(environment=env), now=T0)
    for minute in range(0, 24 * 60, 15):
        assert monitor.observe_latarnia(STATIC_TEST_PAYLOAD["status"], STATIC_TEST_PAYLOAD["messages"],
                                        at(minute * 60)) is None
    state = monitor.current()
    assert state.state is Availability.AVAILABLE and state.latarnia_ignored


def test_static_rule_is_general_but_lets_fresh_events_through() -> None:
    monitor = AvailabilityMonitor(AvailabilityConfig(environment="test"), now=T0)
    old = msg("K/2025/AWR/09", 900, "FAILURE", "FAILURE_START", start=T0 - timedelta(days=40))
    assert monitor.observe_latarnia("FAILURE", [old], at(0)) is None  # old and never changing
    fresh = msg("K/2026/AWR/07", 1010, "FAILURE", "FAILURE_START", start=at(-60))
    change = monitor.observe_latarnia("FAILURE", [old, fresh], at(60))
    assert change is not None and change.to_state is Availability.FAILURE
    assert change.state.event_id == 1010


def test_static_message_is_not_ignored_on_prod() -> None:
    monitor = AvailabilityMonitor(AvailabilityConfig(environment="prod"), now=T0)
    change = monitor.observe_latarnia("TOTAL_FAILURE", STATIC_TEST_PAYLOAD["messages"], at(0))
    assert change is not None and change.to_state is Availability.TOTAL_FAILURE
    assert change.state.offline_mode is OfflineMode.TOTAL_FAILURE


def test_latarnia_outage_alone_raises_nothing() -> None:
    monitor = AvailabilityMonitor(now=T0)
    monitor.observe_latarnia("AVAILABLE", [], at(0))
    for minute in range(1, 120):
        assert monitor.observe_latarnia_error(at(minute * 60)) is None
        assert monitor.observe_call(True, at(minute * 60 + 1)) is None
    state = monitor.current()
    assert state.state is Availability.AVAILABLE and not state.latarnia_reachable


def test_latarnia_outage_keeps_an_announced_failure() -> None:
    monitor = AvailabilityMonitor(now=T0)
    monitor.observe_latarnia("FAILURE", [msg("K/1", 7, "FAILURE", "FAILURE_START", start=at(-30))], at(0))
    assert monitor.observe_latarnia_error(at(60)) is None
    assert monitor.current().state is Availability.FAILURE


def test_announced_failure_applies_at_once_and_ends_with_failure_end() -> None:
    monitor = AvailabilityMonitor(now=T0)
    start = msg("K/2026/AWR/05", 1005, "FAILURE", "FAILURE_START", start=at(-120))
    first = monitor.observe_latarnia("FAILURE", [start], at(0))
    assert first is not None
    assert (first.from_state, first.to_state) == (Availability.AVAILABLE, Availability.FAILURE)
    assert first.messages[0].id == "K/2026/AWR/05"
    assert monitor.current().offline_mode is OfflineMode.AWARYJNY
    assert monitor.observe_latarnia("FAILURE", [start], at(300)) is None  # nothing new: no repeat

    ended_at = at(3 * 3600)
    end = msg("K/2026/AWR/06", 1005, "FAILURE", "FAILURE_END", start=ended_at, published=ended_at)
    back = monitor.observe_latarnia("AVAILABLE", [start, end], ended_at + timedelta(minutes=2))
    assert back is not None and back.to_state is Availability.AVAILABLE
    assert back.reason.startswith("failure-end")
    assert [m.type for m in back.messages] == ["FAILURE_START", "FAILURE_END"]
    assert monitor.current().last_failure_end == ended_at


def test_failure_end_message_wins_over_a_lagging_status() -> None:
    monitor = AvailabilityMonitor(now=T0)
    start = msg("K/9", 9, "FAILURE", "FAILURE_START", start=at(-60))
    monitor.observe_latarnia("FAILURE", [start], at(0))
    end = msg("K/10", 9, "FAILURE", "FAILURE_END", start=at(100))
    change = monitor.observe_latarnia("FAILURE", [start, end], at(120))
    assert change is not None and change.to_state is Availability.AVAILABLE


def test_failure_status_with_only_history_is_a_failure() -> None:
    old_start = msg("K/1", 1, "FAILURE", "FAILURE_START", start=T0 - timedelta(days=3))
    old_end = msg("K/2", 1, "FAILURE", "FAILURE_END", start=T0 - timedelta(days=2))
    monitor = AvailabilityMonitor(now=T0)
    change = monitor.observe_latarnia("FAILURE", [old_start, old_end], at(0))
    assert change is not None and change.to_state is Availability.FAILURE


def test_maintenance_announced_then_in_window_then_over() -> None:
    monitor = AvailabilityMonitor(now=T0)
    start, end = at(2 * 3600), at(4 * 3600)
    ann = msg("K/2026/PRZ/01", 2001, "MAINTENANCE", "MAINTENANCE_ANNOUNCEMENT", start=start, end=end,
              published=at(-86400))
    announced = monitor.observe_latarnia("AVAILABLE", [ann], at(0))
    assert announced is not None and announced.to_state is Availability.MAINTENANCE_ANNOUNCED
    assert (monitor.current().window_start, monitor.current().window_end) == (start, end)
    assert monitor.current().offline_mode is None
    assert monitor.tick(at(3600)) is None
    inside = monitor.tick(start + timedelta(seconds=1))  # no Latarnia call needed
    assert inside is not None and inside.to_state is Availability.MAINTENANCE
    assert monitor.current().offline_mode is OfflineMode.OFFLINE
    assert monitor.observe_latarnia("MAINTENANCE", [ann], start + timedelta(minutes=5)) is None
    over = monitor.tick(end + timedelta(seconds=1))
    assert over is not None and over.to_state is Availability.AVAILABLE


def test_maintenance_overrunning_its_end_stays_while_latarnia_says_so() -> None:
    monitor = AvailabilityMonitor(now=T0)
    ann = msg("K/P/2", 2002, "MAINTENANCE", "MAINTENANCE_ANNOUNCEMENT", start=at(-600), end=at(600))
    monitor.observe_latarnia("MAINTENANCE", [ann], at(0))
    assert monitor.current().state is Availability.MAINTENANCE
    assert monitor.observe_latarnia("MAINTENANCE", [ann], at(900)) is None  # fresher than the end
    assert monitor.current().state is Availability.MAINTENANCE
    change = monitor.observe_latarnia("AVAILABLE", [ann], at(1200))
    assert change is not None and change.to_state is Availability.AVAILABLE


# --- own calls, damping ----------------------------------------------------------------------------

def test_own_failures_degrade_only_after_the_threshold() -> None:
    cfg = AvailabilityConfig(degraded_min_failures=5, degraded_min_seconds=120, recovery_hold_seconds=300)
    monitor = AvailabilityMonitor(cfg, now=T0)
    for i in range(10):  # ten quick failures in 9 s: not enough time
        assert monitor.observe_call(False, at(i), CallKind.TRANSPORT) is None
    assert monitor.observe_call(True, at(10)) is None  # streak broken
    changes = [monitor.observe_call(False, at(20 + 30 * i), CallKind.TIMEOUT) for i in range(5)]
    assert changes[:4] == [None] * 4  # 4 failures over 90 s
    assert changes[4] is not None and changes[4].to_state is Availability.DEGRADED  # 5th, 120 s
    assert monitor.current().offline_mode is OfflineMode.OFFLINE24

    assert monitor.observe_call(True, at(1000)) is None
    assert monitor.observe_call(True, at(1200)) is None  # 200 s of success: still held
    assert monitor.observe_call(False, at(1250), CallKind.SERVER_ERROR) is None  # hold restarts
    assert monitor.observe_call(True, at(1300)) is None
    back = monitor.observe_call(True, at(1600), CallKind.PROBE)
    assert back is not None and back.to_state is Availability.AVAILABLE


def simulate_flapping(monitor: AvailabilityMonitor, start: float, seconds: int,
                      period: int = 2) -> list[Transition]:
    changes = []
    for t in range(0, seconds, period):
        ok = (t // period) % 2 == 0
        change = monitor.observe_call(ok, at(start + t), CallKind.PROBE)
        if change is not None:
            changes.append(change)
        tick = monitor.tick(at(start + t + 1))
        if tick is not None:
            changes.append(tick)
    return changes


def test_flapping_every_2s_for_10_minutes_raises_no_storm() -> None:
    monitor = AvailabilityMonitor(now=T0)
    assert simulate_flapping(monitor, 0, 600) == []
    assert monitor.current().state is Availability.AVAILABLE


def test_flapping_while_degraded_does_not_bounce() -> None:
    monitor = AvailabilityMonitor(now=T0)
    changes = [c for c in (monitor.observe_call(False, at(10 * i)) for i in range(30)) if c]
    assert [c.to_state for c in changes] == [Availability.DEGRADED]
    changes += simulate_flapping(monitor, 300, 600)
    changes += [c for c in (monitor.observe_call(True, at(900 + 30 * i)) for i in range(12)) if c]
    assert [c.to_state for c in changes] == [Availability.DEGRADED, Availability.AVAILABLE]


def test_announcements_override_degraded() -> None:
    monitor = AvailabilityMonitor(now=T0)
    for i in range(30):
        monitor.observe_call(False, at(10 * i))
    assert monitor.current().state is Availability.DEGRADED
    change = monitor.observe_latarnia("TOTAL_FAILURE", [], at(400))
    assert change is not None and change.from_state is Availability.DEGRADED
    assert change.to_state is Availability.TOTAL_FAILURE
    back = monitor.observe_latarnia("AVAILABLE", [], at(500))
    assert back is not None and back.to_state is Availability.DEGRADED  # our calls still fail


# --- persistence, input checks ---------------------------------------------------------------------

def test_persistence_round_trip() -> None:
    monitor = AvailabilityMonitor(AvailabilityConfig(environment="prod"), now=T0)
    start = msg("K/2026/AWR/05", 1005, "FAILURE", "FAILURE_START", start=at(-120))
    monitor.observe_latarnia("FAILURE", [start], at(0))
    for i in range(4):
        monitor.observe_call(False, at(50 * i))
    monitor.observe_latarnia_error(at(300))
    snapshot = json.loads(json.dumps(monitor.to_dict()))
    restored = AvailabilityMonitor.from_dict(snapshot, AvailabilityConfig(environment="prod"))
    assert restored.current() == monitor.current()
    assert restored.to_dict() == monitor.to_dict()
    # Both continue identically: the end of the failure and the 5th failure of the streak.
    end = msg("K/2026/AWR/06", 1005, "FAILURE", "FAILURE_END", start=at(400))
    for m in (monitor, restored):
        change = m.observe_latarnia("AVAILABLE", [start, end], at(450))
        assert change is not None and change.to_state is Availability.AVAILABLE
        change = m.observe_call(False, at(500))
        assert change is not None and change.to_state is Availability.DEGRADED
    assert restored.to_dict() == monitor.to_dict()


def test_snapshot_of_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        AvailabilityMonitor.from_dict({"version": 99})


def test_bad_input_is_refused() -> None:
    monitor = AvailabilityMonitor()
    with pytest.raises(ValueError, match="timezone-aware"):
        monitor.observe_call(False, datetime(2026, 3, 2, 9, 0))
    with pytest.raises(ValueError, match="unknown Latarnia status"):
        monitor.observe_latarnia("BROKEN", [], T0)
    with pytest.raises(TypeError, match="not a Latarnia message"):
        monitor.observe_latarnia("FAILURE", ["K/1"], T0)  # type: ignore[list-item]


# --- what it means for an invoice issued now --------------------------------------------------------

def test_guidance_per_state() -> None:
    issued = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)  # Friday
    monitor = AvailabilityMonitor(now=T0)
    g = offline_guidance(monitor.current(), issued)
    assert g.mode is None and "KSeF działa" in g.summary

    for i in range(30):
        monitor.observe_call(False, issued - timedelta(seconds=600 - 10 * i))
    g = offline_guidance(monitor.current(), issued)
    assert g.mode is OfflineMode.OFFLINE24 and g.deadline == date(2026, 3, 9)  # next working day
    assert "09.03.2026" in g.summary

    ann = msg("K/P", 5, "MAINTENANCE", "MAINTENANCE_ANNOUNCEMENT", start=issued - timedelta(hours=1),
              end=datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    monitor.observe_latarnia("MAINTENANCE", [ann], issued)
    g = offline_guidance(monitor.current(), issued)
    assert g.mode is OfflineMode.OFFLINE and g.deadline == date(2026, 3, 10)  # day after the end
    assert g.fallback_deadline == date(2026, 3, 9)

    monitor.observe_latarnia("FAILURE", [msg("K/A", 6, "FAILURE", "FAILURE_START", start=issued)], issued)
    g = offline_guidance(monitor.current(), issued)
    assert g.mode is OfflineMode.AWARYJNY and g.deadline is None and not g.deadline_known
    assert "7 dni roboczych" in g.summary

    monitor.observe_latarnia("TOTAL_FAILURE", [], issued)
    g = offline_guidance(monitor.current(), issued)
    assert g.no_obligation and g.deadline is None
