"""The offline invoice queue: what waits for KSeF, when the user must be warned, and the hook the
availability monitor (issue 7) calls when KSeF is back.

Uploading itself is :meth:`bot.services.issuing.IssuingService.process_pending` (the same path that
reconciles after a restart), run by the issuing job and, through :meth:`OfflineQueue.wake`, at once on
recovery. Deadlines are the conservative (holiday-blind, earlier) reading of ``ksef.offline``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice
from ksef.offline import is_working_day

if TYPE_CHECKING:
    from bot.services.issuing import IssuingService, Notice

QUEUED_STATES = ("offline", "waiting")


def previous_working_day(day: date) -> date:
    """The working day before ``day`` (weekends and holidays skipped): when the deadline warning goes."""
    current = day - timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current


def warning_due(deadline: date | None, today: date) -> bool:
    """True from the working day before the deadline on (an invoice still not in KSeF by then)."""
    return deadline is not None and today >= previous_working_day(deadline)


class OfflineQueue:
    """Implements ``bot.services.availability.OfflineQueueHook`` over the issued invoices."""

    def __init__(self, db: Database, issuing: IssuingService) -> None:
        self.db, self.issuing = db, issuing
        self.backlog: list[Notice] = []  # found by wake(); the issuing job tells the users

    async def queued_counts(self, user_ids: Sequence[int]) -> dict[int, int]:
        """Offline invoices waiting for KSeF, per issuing user."""
        async with self.db.transaction() as session:
            rows = (await session.execute(
                select(IssuedInvoice.user_id, func.count()).where(
                    IssuedInvoice.state.in_(QUEUED_STATES), IssuedInvoice.user_id.in_(list(user_ids)))
                .group_by(IssuedInvoice.user_id))).all()
            return {int(user): int(count) for user, count in rows}

    async def wake(self) -> None:
        """KSeF is back: upload now instead of at the next tick."""
        self.backlog.extend(await self.issuing.process_pending())

    def drain(self) -> list[Notice]:
        found, self.backlog = self.backlog, []
        return found
