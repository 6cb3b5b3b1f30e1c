"""A simulated day of polling on the harness clock, through the real ``SyncService`` (database, adaptive
interval, on-demand budget) with KSeF replaced by a script that records every metadata query: no
company ever exceeds KSeF's ``invoiceMetadata`` figures (8/s, 16/min, 20/h) whatever its users press,
the cursor never skips, and each invoice is found within its company's interval."""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bot.services.cert_login import KsefLogin
from bot.services.connect import token_aad
from bot.services.inbox import InboxService
from bot.services.outbox import Outbox
from bot.services.polling import Activity
from bot.services.rate_limits import RateLimitWatch
from bot.services.sync import SyncService
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken, User
from bot.store.models_inbox import InboxSync
from bot.vault import Vault
from ksef.limits import PUBLISHED_LIMITS
from ksef.models import InvoiceMetadata, ReceivedBatch
from ksef.sync import cursor_at
from tests.fixtures.bot import MutableClock

DAY_START = datetime(2026, 12, 7, tzinfo=UTC)  # a Monday
METADATA = PUBLISHED_LIMITS["invoiceMetadata"]


@dataclass
class Query:
    at: datetime
    cursor: str | None
    next_cursor: str
    found: tuple[str, ...]
    mode: str  # "auto", "check" or "backfill"


class ScriptedKsef:
    """Each company's invoices appear at planned moments; every metadata query is recorded."""

    def __init__(self, clock: MutableClock, arrivals: dict[int, list[datetime]]) -> None:
        self.clock, self.arrivals = clock, arrivals
        self.queries: dict[int, list[Query]] = defaultdict(list)
        self.delivered: set[str] = set()
        self.mode = "auto"  # "check" or "backfill" while a user's press runs

    def source(self, company_id: int, environment: str, login: KsefLogin) -> Any:
        ksef = self

        class Source:
            async def received_since(self, cursor: str | None, *, up_to_now: bool = False) -> ReceivedBatch:
                now = ksef.clock()
                new = [f"{company_id}-{at:%H%M}" for at in ksef.arrivals.get(company_id, [])
                       if at <= now and f"{company_id}-{at:%H%M}" not in ksef.delivered]
                ksef.delivered.update(new)
                next_cursor = f"{company_id}:{len(ksef.queries[company_id]) + 1}"
                ksef.queries[company_id].append(Query(now, cursor, next_cursor, tuple(new), ksef.mode))
                return ReceivedBatch([_meta(number, now) for number in new], next_cursor, now)

            async def download_invoice(self, ksef_number: str) -> bytes:
                raise AssertionError("the day's polls download nothing")

        return Source()


def _meta(number: str, now: datetime) -> InvoiceMetadata:
    return InvoiceMetadata(number, f"FV/{number}", now.date().isoformat(), now, now, now, now.isoformat(),
                           "5265877635", "Hurtownia", "", "", 100.0, 123.0, 23.0, "PLN", "Online", "Vat", "")


async def _company(db: Database, vault: Vault, user_id: int, created: datetime) -> int:
    async with db.transaction() as session:
        company = Company(nip=f"{user_id:010d}", environment="test", created_at=created)
        session.add_all([company, User(id=user_id, chat_id=user_id)])
        await session.flush()
        session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
        session.add(KsefToken(company_id=company.id, permissions=["InvoiceRead"], status="active",
                              token_blob=vault.encrypt(b"token", aad=token_aad(company.id))))
        return company.id


def _over_limit(times: list[datetime]) -> list[tuple[datetime, int, int]]:
    """(moment, window seconds, queries in it) wherever a sliding window holds more than KSeF allows."""
    bad = []
    for length, maximum in METADATA.windows():
        for i, at in enumerate(times):
            inside = sum(1 for other in times[:i + 1] if (at - other).total_seconds() < length)
            if inside > maximum:
                bad.append((at, int(length), inside))
    return bad


async def test_a_day_of_polls_and_presses_stays_within_the_metadata_limits(tmp_path: Path) -> None:
    db, clock, vault = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'day.sqlite'}"), MutableClock(), \
        Vault(os.urandom(32))
    await db.migrate()
    try:
        await _day(db, clock, vault)
    finally:
        await db.dispose()


async def _day(db: Database, clock: MutableClock, vault: Vault) -> None:
    clock.set(DAY_START)
    active = await _company(db, vault, 101, DAY_START - timedelta(days=1))  # connected yesterday
    quiet = await _company(db, vault, 102, DAY_START - timedelta(days=10))
    dormant = await _company(db, vault, 103, DAY_START - timedelta(days=60))
    owner = {active: 101, quiet: 102, dormant: 103}
    arrivals = {active: [DAY_START.replace(hour=h, minute=m) for h, m in ((8, 0), (9, 30), (11, 0), (15, 7))],
                quiet: [DAY_START.replace(hour=12, minute=1)]}
    ksef = ScriptedKsef(clock, arrivals)

    async def login(company_id: int) -> KsefLogin:
        return KsefLogin(f"{company_id:010d}", token="token")

    # KSeF's own environment: the client paces itself, so the published figures bind the schedule.
    inbox = InboxService(db, clock, Outbox(db, clock))
    sync = SyncService(db, inbox, clock, sources=ksef.source, logins=login, interval=900.0,
                       limits=RateLimitWatch())
    async with db.transaction() as session:  # as if polled once just before midnight
        for company_id in (active, quiet, dormant):
            session.add(InboxSync(company_id=company_id, cursor=cursor_at(DAY_START), next_poll_at=DAY_START,
                                  failures=0))
    # Users: on the active company someone presses "Sprawdź teraz" every 20 s for half an hour, then
    # asks for a back-fill; on the dormant one someone presses every 2 minutes for two hours.
    afternoon = DAY_START.replace(hour=14)
    presses = sorted([(DAY_START.replace(hour=10) + timedelta(seconds=20 * i), active, True)
                      for i in range(90)]
                     + [(DAY_START.replace(hour=10, minute=31), active, False)]
                     + [(afternoon + timedelta(minutes=2 * i + 1), dormant, True) for i in range(60)])
    refused: dict[int, int] = defaultdict(int)
    end = DAY_START + timedelta(days=1)
    while True:
        now = clock()
        for target in await sync.due_polls():
            assert (await sync.poll(target.company_id, target=target, download_limit=0)).error is None
        while presses and presses[0][0] <= now:
            _, company_id, check = presses.pop(0)
            decision = await sync.request_check(owner[company_id], company_id, poll=check)
            if not decision.allowed:
                refused[company_id] += 1
                continue
            ksef.mode = "check" if check else "backfill"
            if check:  # what PollScheduler.poll_now does
                assert (await sync.poll(company_id, up_to_now=True, download_limit=0)).error is None
            else:
                assert (await sync.backfill(company_id, 7))[1] is None
            ksef.mode = "auto"
        async with db.transaction() as session:
            due = (await session.execute(select(func.min(InboxSync.next_poll_at)))).scalar_one()
        following = min(due, presses[0][0]) if presses else due
        if following >= end:
            break
        clock.set(max(following, now + timedelta(milliseconds=1)))

    for company_id, queries in ksef.queries.items():
        times = [q.at for q in queries]
        assert _over_limit(times) == [], company_id
        # The cursor never skips: each poll starts where the previous one ended (a back-fill reads an
        # older period and leaves the cursor alone).
        polls = [q for q in queries if q.mode != "backfill"]
        assert polls[0].cursor == cursor_at(DAY_START)
        assert all(after.cursor == before.next_cursor for before, after in itertools.pairwise(polls))
    # Every invoice was found, within its company's interval at the time it arrived.
    for company_id, moments in arrivals.items():
        for at in moments:
            [finder] = [q for q in ksef.queries[company_id] if f"{company_id}-{at:%H%M}" in q.found]
            limit = 900 if company_id == active else 1800  # quiet: 30 min until its invoice arrives
            assert (finder.at - at).total_seconds() <= limit
    # The users' presses ran into the budget (the limit was exercised, not avoided) ...
    assert refused[active] > 0 and refused[dormant] > 0
    assert any(q.mode == "backfill" for q in ksef.queries[active]) or refused[active] > 60
    # ... and the automatic polls followed the activity: 15, 30 and 60 minutes.
    assert _auto_gaps(ksef.queries[dormant], until=afternoon) == {3600.0}
    assert _auto_gaps(ksef.queries[quiet], until=arrivals[quiet][0]) == {1800.0}
    assert _auto_gaps(ksef.queries[quiet], since=arrivals[quiet][0] + timedelta(minutes=30)) == {900.0}
    assert sync.policy.activity(DAY_START - timedelta(days=60), DAY_START) is Activity.DORMANT


def _auto_gaps(queries: list[Query], *, since: datetime | None = None,
               until: datetime | None = None) -> set[float]:
    """Gaps between consecutive automatic polls with no on-demand query between them."""
    gaps: set[float] = set()
    for before, after in itertools.pairwise(queries):
        if before.mode != "auto" or after.mode != "auto":
            continue
        if (since is not None and before.at < since) or (until is not None and after.at > until):
            continue
        gaps.add((after.at - before.at).total_seconds())
    return gaps
