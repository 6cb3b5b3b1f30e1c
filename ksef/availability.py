"""KSeF availability of one environment as a damped state machine (docs/ksef.md#availability-latarnia).

Inputs are timestamped observations: Latarnia answers (status + messages), Latarnia fetch errors,
and the outcomes of our own KSeF calls and probes. :class:`AvailabilityMonitor` turns them into one
public state and returns a :class:`Transition` whenever that state changes.

States and why:

* ``AVAILABLE`` — nothing announced, our calls work.
* ``MAINTENANCE_ANNOUNCED`` — Latarnia announces a maintenance window that has not begun.
* ``MAINTENANCE`` / ``FAILURE`` / ``TOTAL_FAILURE`` — announced by Latarnia. Official, so they apply
  at once; they end with a ``FAILURE_END`` message, a status back to ``AVAILABLE``, or their
  ``end`` time passing (unless a Latarnia answer fetched after that time still shows the event).
  A non-``AVAILABLE`` status beside an event that ended within ``status_lag_tolerance`` is taken as
  Latarnia lagging behind its own end message; beside older, ended events only, it is a new event.
  Within an announced maintenance window the state is ``MAINTENANCE`` even if Latarnia has not been
  asked since the window began — the announcement itself is the legal basis of the "offline" mode.
* ``DEGRADED`` — our own calls fail and nothing is announced: only ``offline24`` applies (transport
  errors open no other mode, docs/ksef.md#offline-modes). Damped both ways: it is entered only after
  ``degraded_min_failures`` consecutive failures spanning at least ``degraded_min_seconds``, and left
  only after successes uninterrupted for ``recovery_hold_seconds`` — so a KSeF (or a network) that
  flaps every few seconds produces no alert storm. Failures counted while another state was public
  (an announced failure) are forgotten at the first success: when that state ends, KSeF answering
  again is never announced as "KSeF does not answer".

A Latarnia error is never a KSeF failure (the service has outages of its own): it changes nothing,
the last answer stays in force and ``latarnia_reachable`` goes False.

The static test message rule (``ignore_static_test_message``, on by default for ``test``/``demo``):
the TEST Latarnia has long served a dummy ``TOTAL_FAILURE`` (id ``K/2026/AWR/02``, eventId 1003,
dated 2026-01-31) while TEST works. With the rule on, (1) messages whose id is in
``ignored_message_ids`` are dropped, and (2) a non-``AVAILABLE`` status is ignored when it comes with
messages that are all ignored or all published more than ``static_message_min_age`` ago. A real new
event has a fresh ``published`` date (a changed message gets a new version and date), so it still
counts. The rule is off on ``prod``: there an id could be reused and nothing may be ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from ksef.models import LatarniaMessage, parse_datetime
from ksef.offline import OfflineMode, send_deadline, today_in_poland
from ksef.timezone import WARSAW

_EPOCH = datetime(1970, 1, 1, tzinfo=WARSAW)
TEST_ENVIRONMENTS = frozenset({"test", "demo"})
STATIC_TEST_MESSAGE_IDS = frozenset({"K/2026/AWR/02"})


class Availability(StrEnum):
    """The public availability state of one KSeF environment."""

    AVAILABLE = "AVAILABLE"
    MAINTENANCE_ANNOUNCED = "MAINTENANCE_ANNOUNCED"
    MAINTENANCE = "MAINTENANCE"
    FAILURE = "FAILURE"
    TOTAL_FAILURE = "TOTAL_FAILURE"
    DEGRADED = "DEGRADED"


class CallKind(StrEnum):
    """What an observed call was; only a label (every failure counts the same towards DEGRADED).

    Pass only outcomes that say whether KSeF answered: a 4xx (our request was wrong) or a 429 is a
    success from the availability point of view — KSeF was there to answer.
    """

    CALL = "call"
    PROBE = "probe"
    TRANSPORT = "transport"
    TIMEOUT = "timeout"
    SERVER_ERROR = "server_error"


# Latarnia status → state, and state → the offline mode it opens (our reading:
# docs/ksef.md#availability-latarnia).
_ANNOUNCED = {"MAINTENANCE": Availability.MAINTENANCE, "FAILURE": Availability.FAILURE,
              "TOTAL_FAILURE": Availability.TOTAL_FAILURE}
_MODES: dict[Availability, OfflineMode | None] = {
    Availability.AVAILABLE: None,
    Availability.MAINTENANCE_ANNOUNCED: None,
    Availability.MAINTENANCE: OfflineMode.OFFLINE,
    Availability.FAILURE: OfflineMode.AWARYJNY,
    Availability.TOTAL_FAILURE: OfflineMode.TOTAL_FAILURE,
    Availability.DEGRADED: OfflineMode.OFFLINE24,
}


@dataclass(frozen=True)
class AvailabilityConfig:
    """Damping and filtering; see the module docstring."""

    environment: str = "prod"
    degraded_min_failures: int = 5
    degraded_min_seconds: float = 120.0
    recovery_hold_seconds: float = 300.0
    ignore_static_test_message: bool | None = None  # None: on for test/demo, off otherwise
    static_message_min_age: timedelta = timedelta(days=7)
    ignored_message_ids: frozenset[str] = STATIC_TEST_MESSAGE_IDS
    # A non-AVAILABLE status next to an event that ended less than this long ago is the status
    # lagging behind the end message; an event that ended earlier is history (a new event is on).
    status_lag_tolerance: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.degraded_min_failures < 1:
            raise ValueError("degraded_min_failures must be at least 1")
        if self.degraded_min_seconds < 0 or self.recovery_hold_seconds < 0:
            raise ValueError("damping times must not be negative")

    @property
    def filters_static_messages(self) -> bool:
        """Whether the static test message rule is in force."""
        if self.ignore_static_test_message is None:
            return self.environment.strip().lower() in TEST_ENVIRONMENTS
        return self.ignore_static_test_message


@dataclass(frozen=True)
class AvailabilityState:
    """The public state and what users need to know about it."""

    state: Availability
    since: datetime | None
    offline_mode: OfflineMode | None  # the mode this state opens (None: send online)
    event_id: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    messages: tuple[LatarniaMessage, ...] = ()
    latarnia_reachable: bool = True
    latarnia_ignored: bool = False  # the last Latarnia answer was discarded by the static message rule
    last_failure_end: datetime | None = None  # end of the last announced failure (deadlines)


@dataclass(frozen=True)
class Transition:
    """A change of the public state (what the bot broadcasts)."""

    from_state: Availability
    to_state: Availability
    at: datetime
    reason: str
    messages: tuple[LatarniaMessage, ...]
    state: AvailabilityState


@dataclass(frozen=True)
class _Event:
    """Latarnia messages of one event (same eventId), reduced."""

    event_id: int | None
    category: str
    start: datetime | None
    end: datetime | None
    has_end_message: bool
    is_announcement: bool
    messages: tuple[LatarniaMessage, ...]
    latest: datetime | None


@dataclass(frozen=True)
class _Announced:
    state: Availability
    reason: str
    event: _Event | None = None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("observation times must be timezone-aware")
    return at


def to_message(raw: LatarniaMessage | Mapping[str, Any]) -> LatarniaMessage:
    """A Latarnia message from the client's object or a raw camelCase JSON dict."""
    if isinstance(raw, LatarniaMessage):
        return raw
    if isinstance(raw, Mapping):
        return LatarniaMessage.from_json(dict(raw))
    raise TypeError(f"not a Latarnia message: {type(raw).__name__}")


def message_to_dict(msg: LatarniaMessage) -> dict[str, Any]:
    """camelCase JSON, as Latarnia sends it (and :meth:`LatarniaMessage.from_json` reads it)."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None
    return {"id": msg.id, "eventId": msg.event_id, "category": msg.category, "type": msg.type,
            "title": msg.title, "text": msg.text, "start": iso(msg.start), "end": iso(msg.end),
            "version": msg.version, "published": iso(msg.published)}


def _events(messages: Sequence[LatarniaMessage]) -> list[_Event]:
    groups: dict[object, list[LatarniaMessage]] = {}
    for msg in messages:
        key: object = msg.event_id if msg.event_id is not None else ("id", msg.id)
        groups.setdefault(key, []).append(msg)
    events = []
    for group in groups.values():
        ordered = sorted(group, key=lambda m: (m.published or _EPOCH, m.version or 0))
        newest = ordered[-1]
        end_msgs = [m for m in ordered if m.type.upper() == "FAILURE_END"]
        starts = [m.start for m in ordered if m.start is not None and m.type.upper() != "FAILURE_END"]
        if end_msgs:
            last = end_msgs[-1]
            end = last.end or last.start or last.published
        else:
            end = next((m.end for m in reversed(ordered) if m.end is not None), None)
        stamps = [t for m in ordered for t in (m.published, m.start) if t is not None]
        events.append(_Event(
            event_id=newest.event_id, category=newest.category.upper(),
            start=min(starts) if starts else None, end=end, has_end_message=bool(end_msgs),
            is_announcement=any(m.type.upper() == "MAINTENANCE_ANNOUNCEMENT" for m in ordered),
            messages=tuple(ordered), latest=max(stamps) if stamps else None))
    return events


class AvailabilityMonitor:
    """The state machine for one environment. Pure: feed it observations, it never does I/O."""

    def __init__(self, config: AvailabilityConfig | None = None, *, now: datetime | None = None) -> None:
        self.config = config or AvailabilityConfig()
        self._lat_status: str | None = None
        self._lat_messages: tuple[LatarniaMessage, ...] = ()
        self._lat_at: datetime | None = None
        self._lat_ignored = False
        self._lat_errors = 0
        self._fail_count = 0
        self._fail_first: datetime | None = None
        self._ok_first: datetime | None = None
        self._degraded = False
        self._last_failure_end: datetime | None = None
        self._state = AvailabilityState(Availability.AVAILABLE, now and _aware(now), None)

    # --- observations ------------------------------------------------------------------------------

    def observe_latarnia(self, status: str, messages: Iterable[LatarniaMessage | Mapping[str, Any]],
                         at: datetime) -> Transition | None:
        """A successful Latarnia answer: ``status`` and its messages (from /status or /messages)."""
        at = _aware(at)
        normalized = status.strip().upper()
        if normalized != "AVAILABLE" and normalized not in _ANNOUNCED:
            raise ValueError(f"unknown Latarnia status {status!r}")
        msgs = tuple(to_message(m) for m in messages)
        ignored = False
        if self.config.filters_static_messages:
            kept = tuple(m for m in msgs if m.id not in self.config.ignored_message_ids)
            if normalized != "AVAILABLE" and msgs and (not kept or self._all_old(kept, at)):
                ignored = True
            msgs = kept
        self._lat_status, self._lat_messages, self._lat_at = normalized, msgs, at
        self._lat_ignored = ignored
        self._lat_errors = 0
        return self._recompute(at, f"latarnia:{normalized}" + (":ignored" if ignored else ""))

    def observe_latarnia_error(self, at: datetime) -> Transition | None:
        """Latarnia could not be asked (timeout, 5xx, bad JSON): not a KSeF failure; nothing changes."""
        at = _aware(at)
        self._lat_errors += 1
        return self._recompute(at, "latarnia-error")

    def observe_call(self, ok: bool, at: datetime, kind: CallKind = CallKind.CALL) -> Transition | None:
        """Outcome of one of our KSeF calls or probes (see :class:`CallKind` for what counts as ok)."""
        at = _aware(at)
        cfg = self.config
        if ok:
            self._fail_count, self._fail_first = 0, None
            if self._ok_first is None:
                self._ok_first = at
            # The hold damps the way out of a DEGRADED that was announced; failures seen while another
            # state was public (e.g. during an announced failure) end with the first success, so the end
            # of that state never raises "KSeF does not answer" while KSeF answers.
            held = (at - self._ok_first).total_seconds() < cfg.recovery_hold_seconds
            if self._degraded and (self._state.state is not Availability.DEGRADED or not held):
                self._degraded = False
            return self._recompute(at, f"{kind.value}:ok")
        self._ok_first = None
        if self._fail_count == 0:
            self._fail_first = at
        self._fail_count += 1
        assert self._fail_first is not None
        if (not self._degraded and self._fail_count >= cfg.degraded_min_failures
                and (at - self._fail_first).total_seconds() >= cfg.degraded_min_seconds):
            self._degraded = True
        return self._recompute(at, f"{kind.value}:failed")

    def tick(self, at: datetime) -> Transition | None:
        """Let time pass: a maintenance window begins or an announced end time goes by."""
        return self._recompute(_aware(at), "time")

    def current(self) -> AvailabilityState:
        """The public state."""
        return self._state

    # --- evaluation --------------------------------------------------------------------------------

    def _all_old(self, msgs: Sequence[LatarniaMessage], at: datetime) -> bool:
        limit = at - self.config.static_message_min_age
        stamps = [m.published or m.start for m in msgs]
        return all(s is not None and s < limit for s in stamps)

    def _ended(self, event: _Event, at: datetime) -> bool:
        if event.has_end_message:
            return event.end is None or event.end <= at
        if event.end is None or event.end > at:
            return False
        # The planned end passed; a Latarnia answer fetched after it whose status still is this
        # event's category (an overrun) keeps it alive.
        return self._lat_at is None or self._lat_at < event.end or self._lat_status != event.category

    def _announcement(self, at: datetime) -> _Announced:
        status = self._lat_status
        if status is None or self._lat_ignored:
            return _Announced(Availability.AVAILABLE, "no-announcement")
        events = _events(self._lat_messages)
        if status in _ANNOUNCED:
            live = [e for e in events if not self._ended(e, at) and not (
                e.is_announcement and e.start is not None and e.start > at)]
            same = [e for e in live if e.category == status] or live
            if same:
                event = max(same, key=lambda e: (e.latest or at, e.event_id or 0))
                return _Announced(_ANNOUNCED[status], f"latarnia:{status}", event)
            # The status is taken as lagging behind only when the newest event of its category ended
            # recently (FAILURE_END, or its end passed); otherwise — no message yet, only old history,
            # or a future announcement — the status itself is the announcement.
            of_status = [e for e in events if e.category == status]
            newest = max(of_status, key=lambda e: (e.latest or at, e.event_id or 0)) if of_status else None
            lagging = (newest is not None and newest.end is not None and self._ended(newest, at)
                       and self._lat_at is not None
                       and self._lat_at - newest.end <= self.config.status_lag_tolerance)
            if not lagging:
                return _Announced(_ANNOUNCED[status], f"latarnia:{status}")
        maintenance = [e for e in events if e.is_announcement and e.start is not None
                       and not self._ended(e, at)]
        in_window = [e for e in maintenance if e.start is not None and e.start <= at
                     and (e.end is not None or status == "MAINTENANCE")]
        if in_window:
            return _Announced(Availability.MAINTENANCE, "maintenance-window", min(
                in_window, key=lambda e: e.start or at))
        upcoming = [e for e in maintenance if e.start is not None and e.start > at]
        if upcoming:
            return _Announced(Availability.MAINTENANCE_ANNOUNCED, "maintenance-announced",
                              min(upcoming, key=lambda e: e.start or at))
        ended = [e for e in events if e.has_end_message]
        return _Announced(Availability.AVAILABLE, "failure-end" if ended else "latarnia:AVAILABLE")

    def _recompute(self, at: datetime, cause: str) -> Transition | None:
        announced = self._announcement(at)
        target, reason, event = announced.state, announced.reason, announced.event
        if target in (Availability.AVAILABLE, Availability.MAINTENANCE_ANNOUNCED) and self._degraded:
            target, reason = Availability.DEGRADED, "own-calls-failing"
        old = self._state
        closing: tuple[LatarniaMessage, ...] = ()
        # Remember when the last announced failure ended (AWARYJNY deadlines count from it).
        if old.state is Availability.FAILURE and target is not Availability.FAILURE:
            ended = [e for e in _events(self._lat_messages)
                     if e.has_end_message and e.event_id is not None and e.event_id == old.event_id]
            if ended and ended[0].end is not None:
                end, closing = ended[0].end, ended[0].messages
            elif old.window_end is not None and old.window_end <= at:
                end = old.window_end
            else:
                end = at
            self._last_failure_end = end
        new = AvailabilityState(
            state=target,
            since=old.since,
            offline_mode=_MODES[target],
            event_id=event.event_id if event else None,
            window_start=event.start if event else None,
            window_end=event.end if event else None,
            messages=event.messages if event else (),
            latarnia_reachable=self._lat_errors == 0,
            latarnia_ignored=self._lat_ignored,
            last_failure_end=self._last_failure_end,
        )
        changed = target is not old.state or (
            new.event_id is not None and old.event_id is not None and new.event_id != old.event_id)
        if not changed:
            self._state = new
            return None
        self._state = replace(new, since=at)
        return Transition(old.state, target, at, f"{reason} ({cause})", new.messages or closing, self._state)

    # --- persistence -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe snapshot (the bot stores it to survive restarts)."""
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None
        s = self._state
        return {
            "version": 1,
            "latarnia": {"status": self._lat_status, "at": iso(self._lat_at), "ignored": self._lat_ignored,
                         "errors": self._lat_errors,
                         "messages": [message_to_dict(m) for m in self._lat_messages]},
            "calls": {"fail_count": self._fail_count, "fail_first": iso(self._fail_first),
                      "ok_first": iso(self._ok_first), "degraded": self._degraded},
            "last_failure_end": iso(self._last_failure_end),
            "state": {"state": s.state.value, "since": iso(s.since), "event_id": s.event_id,
                      "window_start": iso(s.window_start), "window_end": iso(s.window_end),
                      "messages": [message_to_dict(m) for m in s.messages]},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any],
                  config: AvailabilityConfig | None = None) -> AvailabilityMonitor:
        """Restore a snapshot made by :meth:`to_dict` (config is not stored: pass the current one)."""
        if data.get("version") != 1:
            raise ValueError(f"unsupported availability snapshot version {data.get('version')!r}")
        monitor = cls(config)
        lat, calls, st = data["latarnia"], data["calls"], data["state"]
        monitor._lat_status = lat["status"]
        monitor._lat_at = parse_datetime(lat["at"])
        monitor._lat_ignored = bool(lat["ignored"])
        monitor._lat_errors = int(lat["errors"])
        monitor._lat_messages = tuple(to_message(m) for m in lat["messages"])
        monitor._fail_count = int(calls["fail_count"])
        monitor._fail_first = parse_datetime(calls["fail_first"])
        monitor._ok_first = parse_datetime(calls["ok_first"])
        monitor._degraded = bool(calls["degraded"])
        monitor._last_failure_end = parse_datetime(data["last_failure_end"])
        state = Availability(st["state"])
        monitor._state = AvailabilityState(
            state=state, since=parse_datetime(st["since"]), offline_mode=_MODES[state],
            event_id=st["event_id"], window_start=parse_datetime(st["window_start"]),
            window_end=parse_datetime(st["window_end"]),
            messages=tuple(to_message(m) for m in st["messages"]),
            latarnia_reachable=monitor._lat_errors == 0, latarnia_ignored=monitor._lat_ignored,
            last_failure_end=monitor._last_failure_end)
        return monitor


# --- what it means for a user issuing an invoice now ------------------------------------------------

@dataclass(frozen=True)
class OfflineGuidance:
    """Which mode applies to an invoice issued now, and by when it must reach KSeF."""

    mode: OfflineMode | None  # None: issue and send online
    deadline: date | None  # the mode's legal deadline; None if there is none or it is not known yet
    deadline_known: bool  # False while the end of the unavailability/failure is unknown
    fallback_deadline: date | None  # the offline24 deadline: meeting it is always safe
    no_obligation: bool  # total failure: no obligation to send at all
    summary: str  # Polish, for the user


def _fmt_day(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def _fmt_time(moment: datetime) -> str:
    return moment.astimezone(WARSAW).strftime("%d.%m.%Y %H:%M")


def offline_guidance(state: AvailabilityState, issued_at: datetime, *,
                     conservative: bool = False) -> OfflineGuidance:
    """The user-facing meaning of ``state`` for an invoice issued at ``issued_at`` (aware datetime).

    Dates are Polish calendar dates; ``conservative`` skips weekends only (see ``ksef.offline``).
    """
    issue_day = today_in_poland(_aware(issued_at))
    fallback = send_deadline(OfflineMode.OFFLINE24, issue_day, conservative=conservative)
    end_day = today_in_poland(state.window_end) if state.window_end else None
    kind = state.state
    if kind is Availability.AVAILABLE:
        return OfflineGuidance(None, None, True, fallback, False,
                               "KSeF działa. Faktury wysyłamy do KSeF od razu.")
    if kind is Availability.MAINTENANCE_ANNOUNCED:
        window = ""
        if state.window_start:
            window = f" od {_fmt_time(state.window_start)}"
            if state.window_end:
                window += f" do {_fmt_time(state.window_end)}"
        return OfflineGuidance(None, None, True, fallback, False,
                               f"KSeF działa. Zapowiedziano prace serwisowe{window}.")
    if kind is Availability.DEGRADED:
        return OfflineGuidance(OfflineMode.OFFLINE24, fallback, True, fallback, False,
                               "Nie możemy połączyć się z KSeF, a awarii nie ogłoszono. Możesz wystawić "
                               "fakturę w trybie offline24 i wysłać ją do KSeF najpóźniej "
                               f"{_fmt_day(fallback) if fallback else ''}.")
    if kind is Availability.TOTAL_FAILURE:
        return OfflineGuidance(OfflineMode.TOTAL_FAILURE, None, True, None, True,
                               "Ogłoszono całkowitą awarię KSeF. Fakturę można wystawić w dowolnej formie; "
                               "nie ma obowiązku wysyłania jej do KSeF.")
    if kind is Availability.MAINTENANCE:
        if end_day is not None:
            deadline = send_deadline(OfflineMode.OFFLINE, issue_day, unavailability_end=end_day,
                                     conservative=conservative)
            when = f"najpóźniej {_fmt_day(deadline)}" if deadline else ""
        else:
            deadline, when = None, "następnego dnia roboczego po zakończeniu niedostępności"
        return OfflineGuidance(OfflineMode.OFFLINE, deadline, end_day is not None, fallback, False,
                               "Trwa ogłoszona niedostępność KSeF (prace serwisowe). Możesz wystawić "
                               f"fakturę w trybie offline i wysłać ją do KSeF {when}.")
    # FAILURE
    if end_day is not None and state.window_end is not None and state.window_end <= issued_at:
        deadline = send_deadline(OfflineMode.AWARYJNY, issue_day, failure_ends=[end_day],
                                 conservative=conservative)
    else:
        # While the failure lasts its end is unknown (a planned end may still move).
        deadline = None
    when = (f"najpóźniej {_fmt_day(deadline)}" if deadline
            else "w ciągu 7 dni roboczych od zakończenia awarii")
    return OfflineGuidance(OfflineMode.AWARYJNY, deadline, deadline is not None, fallback, False,
                           f"Ogłoszono awarię KSeF. Możesz wystawić fakturę w trybie awaryjnym i wysłać ją "
                           f"do KSeF {when}.")
