"""The KSeF availability monitor as a service: polls Latarnia and probes KSeF, feeds the pure
:class:`ksef.availability.AvailabilityMonitor`, stores every transition and queues one alert per user
(an outbox row of the kind :data:`AVAILABILITY_ALERT`, sent at BULK priority).

One bot process serves one KSeF environment, so "every user of that environment" is every user of
the bot. The monitor's snapshot, the transition and its alerts are committed together: a crash before
the commit loses nothing (the transition is detected again), after it nothing repeats.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import clip, esc, fmt_date, fmt_datetime, language_of, t
from bot.pacing import Priority
from bot.services.outbox import JsonObject, Kind, Outbox, json_int, json_str
from bot.services.ports import Clock, system_clock
from bot.store.db import Database
from bot.store.models import Certificate, CompanyMember, User
from bot.store.models_availability import (
    AvailabilityPrefs,
    AvailabilitySnapshot,
    AvailabilityTransition,
)
from ksef.availability import (
    Availability,
    AvailabilityConfig,
    AvailabilityMonitor,
    AvailabilityState,
    CallKind,
    Transition,
    offline_guidance,
    to_message,
)
from ksef.certs import CertType
from ksef.environments import Environment
from ksef.errors import KsefError
from ksef.latarnia import LatarniaClient
from ksef.models import LatarniaMessage, LatarniaStatus

log = logging.getLogger(__name__)

# States in which invoices are issued outside KSeF (leaving one of them is a recovery).
OFFLINE_STATES = frozenset({Availability.MAINTENANCE, Availability.FAILURE, Availability.TOTAL_FAILURE,
                            Availability.DEGRADED})
# Ahead-of-time notices a user may mute; failure alerts and recoveries always go out.
MUTABLE_STATES = frozenset({Availability.MAINTENANCE_ANNOUNCED})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StatusSource(Protocol):
    """Where the monitor's evidence comes from (HTTP in production, the simulator in tests)."""

    async def latarnia(self) -> LatarniaStatus:
        """Latarnia's status and messages; raises on any failure of the status service."""
        ...

    async def probe(self) -> bool:
        """A light public KSeF call: True when KSeF answered at all (a 4xx or 429 is an answer)."""
        ...


class HttpStatusSource:
    """Latarnia over :class:`LatarniaClient` and ``GET /security/public-key-certificates``."""

    PROBE_PATH = "/security/public-key-certificates"

    def __init__(self, environment: Environment, *, timeout: float = 10.0) -> None:
        self._env = environment
        self._timeout = timeout

    async def latarnia(self) -> LatarniaStatus:
        async with LatarniaClient(self._env, timeout=self._timeout, max_retries=0) as client:
            return await client.status()

    async def probe(self) -> bool:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as http:
                response = await http.get(self._env.api_base + self.PROBE_PATH)
        except httpx.HTTPError:
            return False
        return response.status_code < 500


class QueuedInvoices(Protocol):
    """How many issued invoices wait for KSeF per user (``bot.services.issuing.OfflineBacklog``): the
    recovery announcement tells each user theirs."""

    async def queued_counts(self, user_ids: Sequence[int]) -> dict[int, int]:
        """Offline invoices waiting for KSeF, per user (users without any may be left out)."""
        ...


class CallTally:
    """Outcomes of the bot's real KSeF calls (polls, sends) since the monitor last looked.

    Counted in memory — no database write per call, whatever the number of companies — and read once
    per monitoring round (:meth:`AvailabilityService.check`). Pass only outcomes that say whether KSeF
    answered: a 4xx or a 429 is an answer (``ksef.availability.CallKind``).
    """

    def __init__(self) -> None:
        self.answered = 0
        self.unanswered = 0

    def record(self, answered: bool) -> None:
        if answered:
            self.answered += 1
        else:
            self.unanswered += 1

    def take(self) -> tuple[int, int]:
        """(answered, unanswered) since the last call; starts counting afresh."""
        counts = (self.answered, self.unanswered)
        self.answered = self.unanswered = 0
        return counts


@dataclass(frozen=True)
class AvailabilityAlert:
    """The payload of an availability alert: its transition and the text, rendered in the user's language
    when the transition was stored (it names the deadline and queued invoices as of that moment)."""

    transition_id: int
    text: str

    def to_json(self) -> JsonObject:
        return {"transition_id": self.transition_id, "text": self.text}

    @classmethod
    def from_json(cls, data: JsonObject) -> AvailabilityAlert:
        return cls(json_int(data, "transition_id"), json_str(data, "text"))


AVAILABILITY_ALERT = Kind("availability.alert", AvailabilityAlert.from_json, Priority.BULK)


@dataclass(frozen=True)
class Observed:
    """What one monitoring round changed."""

    transitions: tuple[int, ...]  # ids of the transitions stored (each with its alerts queued)
    recovered: bool  # KSeF left an offline state: the caller uploads the offline queue now


@dataclass(frozen=True)
class StatusView:
    """What ``/status`` shows."""

    state: AvailabilityState
    messages: tuple[LatarniaMessage, ...]  # newest first
    maintenance_muted: bool


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _when(lang: str, value: datetime | None) -> str:
    return fmt_datetime(lang, value) if value else "?"


def render(lang: str, transition: Transition, queued: int, offline_cert: bool = False) -> str:
    """The announcement of ``transition`` for one user (HTML, in ``lang``); ``offline_cert``: one of the
    user's companies has a valid Offline certificate (the QR-code sentence), else how to get one."""
    new, old, state = transition.to_state, transition.from_state, transition.state
    parts: list[str] = []
    if new in OFFLINE_STATES:
        guidance = offline_guidance(state, transition.at)
        if guidance.deadline is not None:
            deadline = t(lang, "av.deadline.date", date=fmt_date(lang, guidance.deadline))
        elif new is Availability.MAINTENANCE:
            deadline = t(lang, "av.deadline.after_maintenance")
        else:
            deadline = t(lang, "av.deadline.after_failure")
        parts.append(t(lang, f"av.alert.{new.value}", deadline=deadline))
        if new is not Availability.TOTAL_FAILURE:
            parts.append(t(lang, "av.two_qr" if offline_cert else "av.no_offline_cert"))
    elif old in OFFLINE_STATES:
        parts.append(t(lang, "av.recovery", since=_when(lang, transition.at)))
        parts.append(t(lang, "av.recovery.queued", count=queued) if queued else t(lang, "av.recovery.none"))
        if new is Availability.MAINTENANCE_ANNOUNCED:
            parts.append(t(lang, "av.alert.MAINTENANCE_ANNOUNCED", start=_when(lang, state.window_start),
                           end=_when(lang, state.window_end)))
    elif new is Availability.MAINTENANCE_ANNOUNCED:
        parts.append(t(lang, "av.alert.MAINTENANCE_ANNOUNCED", start=_when(lang, state.window_start),
                       end=_when(lang, state.window_end)))
        if not offline_cert:  # still time to get one before the works
            parts.append(t(lang, "av.no_offline_cert"))
        parts.append(t(lang, "av.opt_out_hint"))
    else:
        parts.append(t(lang, "av.maintenance_over"))
    titles = list(dict.fromkeys(m.title for m in transition.messages if m.title))[:2]
    parts.extend(t(lang, "av.official", title=esc(clip(title, 200))) for title in titles)
    return "\n\n".join(parts)


class AvailabilityService:
    """One environment's monitor, its storage and the preparation of broadcasts."""

    def __init__(self, db: Database, environment: str, clock: Clock = system_clock, *,
                 source: StatusSource | None = None, config: AvailabilityConfig | None = None,
                 queued: QueuedInvoices | None = None, outbox: Outbox | None = None,
                 calls: CallTally | None = None) -> None:
        self._db = db
        self._outbox = outbox or Outbox(db, clock)
        self.environment = environment
        self._clock = clock
        self.source = source
        self.config = config or AvailabilityConfig(environment=environment)
        self._queued = queued
        self.calls = calls or CallTally()  # the sync and issuing count their real calls here
        self._monitor: AvailabilityMonitor | None = None
        self._lock = asyncio.Lock()

    def now(self) -> datetime:
        """The service's clock (tests inject one)."""
        return self._clock()

    # --- evidence --------------------------------------------------------------------------------

    async def check(self) -> Observed:
        """One monitoring round: the probe and the real calls since the last round, Latarnia, the passing
        of time."""
        if self.source is None:
            raise RuntimeError("no status source configured")
        latarnia: LatarniaStatus | None
        try:
            latarnia = await self.source.latarnia()
        except (KsefError, httpx.HTTPError, ValueError) as exc:
            log.info("Latarnia not reachable: %s", type(exc).__name__)
            latarnia = None
        probe_ok = await self.source.probe()
        answered, _ = self.calls.take()
        async with self._lock:
            monitor = await self._load()
            now = self._clock()
            found: list[Transition | None] = []
            # KSeF's answers first (one observation per round: the probe, or any real call KSeF answered,
            # is evidence it is up), then Latarnia: when an announced failure ends while KSeF answers,
            # the monitor already knows it answers.
            kind = CallKind.PROBE if probe_ok or not answered else CallKind.CALL
            found.append(monitor.observe_call(probe_ok or answered > 0, now, kind))
            if latarnia is None:
                found.append(monitor.observe_latarnia_error(now))
            else:
                found.append(monitor.observe_latarnia(latarnia.status, latarnia.messages, now))
            found.append(monitor.tick(now))
            return await self._commit(monitor, [f for f in found if f is not None])

    # --- reading ---------------------------------------------------------------------------------

    async def current(self) -> AvailabilityState:
        """The public state (AVAILABLE until anything was observed)."""
        async with self._lock:
            return (await self._load()).current()

    async def view(self, user_id: int, *, limit: int = 3) -> StatusView:
        """State, latest official messages and the user's mute choice, for ``/status``."""
        async with self._lock:
            monitor = await self._load()
            state = monitor.current()
            raw = monitor.to_dict()["latarnia"]["messages"]
        messages = sorted((to_message(m) for m in raw), reverse=True,
                          key=lambda m: m.published or m.start or _EPOCH)
        return StatusView(state, tuple(messages[:limit]), await self.maintenance_muted(user_id))

    async def transitions(self) -> list[AvailabilityTransition]:
        """Every stored transition of this environment, oldest first."""
        async with self._db.transaction() as session:
            rows = await session.scalars(select(AvailabilityTransition)
                                         .where(AvailabilityTransition.environment == self.environment)
                                         .order_by(AvailabilityTransition.id))
            return list(rows.all())

    # --- preferences -----------------------------------------------------------------------------

    async def maintenance_muted(self, user_id: int) -> bool:
        async with self._db.transaction() as session:
            prefs = await session.get(AvailabilityPrefs, user_id)
            return bool(prefs and prefs.maintenance_muted)

    async def set_maintenance_muted(self, user_id: int, muted: bool) -> None:
        """Opt out of (or back into) maintenance announcements; failure alerts cannot be muted."""
        async with self._db.transaction() as session:
            prefs = await session.get(AvailabilityPrefs, user_id)
            if prefs is None:
                session.add(AvailabilityPrefs(user_id=user_id, maintenance_muted=muted))
            else:
                prefs.maintenance_muted = muted

    # --- internals -------------------------------------------------------------------------------

    async def _load(self) -> AvailabilityMonitor:
        if self._monitor is None:
            async with self._db.transaction() as session:
                row = await session.get(AvailabilitySnapshot, self.environment)
                data = dict(row.data) if row else None
            if data is not None:
                try:
                    self._monitor = AvailabilityMonitor.from_dict(data, self.config)
                except (ValueError, KeyError, TypeError):
                    log.warning("availability snapshot unreadable; starting afresh")
            if self._monitor is None:
                self._monitor = AvailabilityMonitor(self.config)
        return self._monitor

    async def _commit(self, monitor: AvailabilityMonitor, found: list[Transition]) -> Observed:
        """Snapshot + transitions + their alerts in one transaction."""
        recovered = any(tr.from_state in OFFLINE_STATES and tr.to_state not in OFFLINE_STATES
                        for tr in found)
        queued: dict[int, int] = {}
        offline: set[int] = set()
        ids: list[int] = []
        try:
            async with self._db.transaction() as session:
                await self._save_snapshot(session, monitor)
                if found:
                    users = (await session.execute(
                        select(User.id, User.chat_id, User.language, AvailabilityPrefs.maintenance_muted)
                        .outerjoin(AvailabilityPrefs, AvailabilityPrefs.user_id == User.id)
                        .order_by(User.id))).all()
                    if recovered and self._queued is not None:
                        queued = await self._queued.queued_counts([u.id for u in users])
                    offline = await self._offline_certificate_holders(session)
                for transition in found:
                    ids.append(await self._store(session, transition, users, queued, offline))
        except BaseException:
            self._monitor = None  # the snapshot was not stored: reload it (the transition recurs)
            raise
        for transition, tid in zip(found, ids, strict=True):
            log.info("KSeF availability %s → %s (%s), transition %s", transition.from_state,
                     transition.to_state, transition.reason, tid)
        return Observed(tuple(ids), recovered)

    async def _save_snapshot(self, session: AsyncSession, monitor: AvailabilityMonitor) -> None:
        row = await session.get(AvailabilitySnapshot, self.environment)
        data = monitor.to_dict()
        if row is None:
            session.add(AvailabilitySnapshot(environment=self.environment, data=data,
                                             updated_at=self._clock()))
        else:
            row.data, row.updated_at = data, self._clock()

    async def _offline_certificate_holders(self, session: AsyncSession) -> set[int]:
        """Users with a valid Offline certificate in one of their companies (its owner or a member)."""
        rows = await session.execute(
            select(CompanyMember.user_id)
            .join(Certificate, Certificate.company_id == CompanyMember.company_id)
            .where(Certificate.cert_type == CertType.OFFLINE.value, Certificate.not_after > self._clock())
            .distinct())
        return set(rows.scalars().all())

    async def _store(self, session: AsyncSession, transition: Transition, users: Sequence[Any],
                     queued: dict[int, int], offline: set[int] | None = None) -> int:
        state = transition.state
        row = AvailabilityTransition(
            environment=self.environment, from_state=transition.from_state.value,
            to_state=transition.to_state.value, at=transition.at, reason=transition.reason[:300],
            info={"event_id": state.event_id, "window_start": _iso(state.window_start),
                  "window_end": _iso(state.window_end),
                  "offline_mode": state.offline_mode.value if state.offline_mode else None,
                  "titles": [m.title for m in transition.messages][:5]})
        session.add(row)
        await session.flush()
        mutable = transition.to_state in MUTABLE_STATES or (
            transition.from_state in MUTABLE_STATES and transition.to_state is Availability.AVAILABLE)
        for user in users:
            if mutable and user.maintenance_muted:
                continue
            lang = language_of(user.language)
            alert = AvailabilityAlert(row.id, render(lang, transition, queued.get(user.id, 0),
                                                     user.id in (offline or set())))
            await self._outbox.add(session, AVAILABILITY_ALERT, chat_id=user.chat_id, payload=alert,
                                   user_id=user.id, dedupe_key=f"availability:{row.id}:{user.id}")
        return row.id
