"""Exactly-once delivery of availability broadcasts through a paced Sender.

Discipline (the same as the inbox outbox, ``bot.services.notify``): delivery rows are committed
before anything is sent (by :class:`~bot.services.availability.AvailabilityService`, with their
transition); a row is marked ``sending`` — with the newest message id known in the chat — right
before the Telegram call, and ``sent`` with Telegram's message id right after. A row found
``sending`` later (the process died during that call, or the answer was lost) is probed first: each
alert carries a button unique to its row, so re-applying that same keyboard to the messages just
after the remembered id answers "not modified" exactly for our message. Found: it is marked sent;
not found: it is sent again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select, update

from bot.metrics import observe_sent
from bot.pacing import OutboundJob, Priority
from bot.services.ports import Clock, system_clock
from bot.store.db import Database
from bot.store.models_availability import BroadcastDelivery

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, BLOCKED = "pending", "sending", "sent", "failed", "blocked"
KEY_PREFIX = "av"  # OutboundJob.key = ("av", delivery id): tells a shared send() whose job it is

PROBE_SPAN = 5  # messages after the remembered id that the probe looks at
Submit = Callable[[OutboundJob[int]], bool]  # Sender.submit


class BroadcastMessenger(Protocol):
    """What delivery needs from Telegram (implemented over PTB in ``bot.chat.status``)."""

    def newest_message_id(self, chat_id: int) -> int:
        """The newest message id this process knows in the chat (0: none known)."""
        ...

    async def send(self, chat_id: int, text: str, delivery_id: int) -> int:
        """Send the alert (with its row's button); Telegram's message id. Raises ``bot.pacing`` errors."""
        ...

    async def is_delivered(self, chat_id: int, message_id: int, delivery_id: int) -> bool | None:
        """True: that message is this row's alert; False: another message; None: no such message."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One queued announcement for one chat."""

    id: int
    transition_id: int
    user_id: int
    chat_id: int
    text: str


class BroadcastService:
    """Reads and marks delivery rows; ``send_one`` is the body of the Sender's send callable."""

    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._submitted: set[int] = set()  # ids queued in this process's Sender (not yet finished)

    async def unsent(self, limit: int | None = None) -> list[Delivery]:
        """Rows still to send (``pending``, and ``sending`` left by a crash), oldest first."""
        async with self._db.transaction() as session:
            query = (select(BroadcastDelivery)
                     .where(BroadcastDelivery.status.in_((PENDING, SENDING)))
                     .order_by(BroadcastDelivery.id))
            if limit is not None:
                query = query.limit(limit)
            rows = (await session.scalars(query)).all()
            return [Delivery(r.id, r.transition_id, r.user_id, r.chat_id, r.text) for r in rows]

    async def submit_unsent(self, submit: Submit) -> int:
        """Queue every unsent row not already queued in this process, at BULK priority."""
        count = 0
        for delivery in await self.unsent():
            if delivery.id in self._submitted:
                continue
            job = OutboundJob(delivery.chat_id, (KEY_PREFIX, delivery.id), delivery.id, Priority.BULK)
            if submit(job):
                self._submitted.add(delivery.id)
                count += 1
            else:  # the Sender knows the chat blocked the bot
                await self.mark(delivery.id, BLOCKED)
        return count

    async def send_one(self, delivery_id: int, messenger: BroadcastMessenger) -> None:
        """Deliver one row once: probe if a send may have happened; else mark ``sending``, send, ``sent``.

        Telegram errors propagate (as ``bot.pacing`` errors) so the Sender retries or gives up.
        """
        async with self._db.transaction() as session:
            row = await session.get(BroadcastDelivery, delivery_id)
            if row is None or row.status not in (PENDING, SENDING):
                self._submitted.discard(delivery_id)
                return  # delivered (or given up) already
            chat_id, text, status, after = row.chat_id, row.text, row.status, row.after_message_id
        if status == SENDING:
            found = await self._probe(messenger, chat_id, after or 0, delivery_id)
            if found is not None:
                log.info("broadcast %s was delivered before the interruption", delivery_id)
                await self.mark(delivery_id, SENT, message_id=found)
                return
        async with self._db.transaction() as session:
            await session.execute(update(BroadcastDelivery).where(BroadcastDelivery.id == delivery_id)
                                  .values(status=SENDING,
                                          after_message_id=max(messenger.newest_message_id(chat_id),
                                                               after or 0)))
        started = time.perf_counter()
        message_id = await messenger.send(chat_id, text, delivery_id)
        await self.mark(delivery_id, SENT, message_id=message_id)
        observe_sent("availability", time.perf_counter() - started, None)

    @staticmethod
    async def _probe(messenger: BroadcastMessenger, chat_id: int, after: int, delivery_id: int) -> int | None:
        for message_id in range(after + 1, after + 1 + PROBE_SPAN):
            found = await messenger.is_delivered(chat_id, message_id, delivery_id)
            if found is True:
                return message_id
            if found is None:
                return None
        return None

    async def mark(self, delivery_id: int, status: str, *, message_id: int | None = None) -> None:
        """Final status of one row; finished rows leave this process's queue set."""
        sent_at: datetime | None = self._clock() if status == SENT else None
        async with self._db.transaction() as session:
            await session.execute(update(BroadcastDelivery).where(BroadcastDelivery.id == delivery_id)
                                  .values(status=status, sent_at=sent_at, message_id=message_id))
        if status != SENDING:
            self._submitted.discard(delivery_id)

    async def mark_chat_blocked(self, chat_id: int) -> None:
        """The user blocked the bot: their unsent announcements are dropped."""
        async with self._db.transaction() as session:
            await session.execute(update(BroadcastDelivery)
                                  .where(BroadcastDelivery.chat_id == chat_id,
                                         BroadcastDelivery.status.in_((PENDING, SENDING)))
                                  .values(status=BLOCKED))
        # their ids may still be in _submitted; send_one skips blocked rows and clears them

    def forget_submitted(self, delivery_id: int) -> None:
        """The Sender gave up on a row for now (transient errors): the next pass submits it again."""
        self._submitted.discard(delivery_id)

    async def counts(self, transition_id: int | None = None) -> dict[str, int]:
        """Rows per status (of one transition, or all): progress for logs, tests and the bench."""
        async with self._db.transaction() as session:
            query = select(BroadcastDelivery.status, func.count()).group_by(BroadcastDelivery.status)
            if transition_id is not None:
                query = query.where(BroadcastDelivery.transition_id == transition_id)
            return {status: int(n) for status, n in (await session.execute(query)).all()}
