"""The one outbox: how a feature queues a message for the bot to send on its own (no Telegram here).

A producer (a service) adds a row inside the SAME transaction as the state change that makes the
message due, so a crash either keeps both or neither (store before act)::

    await self.outbox.add(session, PAYMENT_DUE, chat_id=user.chat_id, payload=PaymentDue(invoice.id),
                          user_id=user.id, company_id=company.id, dedupe_key=f"pay:{invoice.id}:{due}")

Each kind of message is a :class:`Kind`: its stored name, the function that reads its typed payload back
from JSON, and its default priority. The payload is a frozen dataclass of the kind's module with a
``to_json()`` method; the chat layer registers one renderer per kind (``bot.chat.rendering``) and the one
dispatcher sends due rows through the one paced sender, under the one exactly-once protocol
(``bot.services.delivery``). ``docs/outbox.md`` has the whole picture and a worked example.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.pacing import Priority
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import CompanyMember, User
from bot.store.models_outbox import ChatCursor, OutboxRow

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]
JsonObject = dict[str, JsonValue]


class Status(StrEnum):
    """Where a row is; the ``outbox.status`` column holds these values."""

    PENDING = "pending"
    SENDING = "sending"  # the Telegram call may have happened: probe before sending again
    SENT = "sent"
    FAILED = "failed"  # Telegram refused it for good
    BLOCKED = "blocked"  # the user blocked the bot
    DROPPED = "dropped"  # no longer due when its turn came (member removed, subject gone)
    REQUEUED = "requeued"  # inbox: parked while blocked, replaced by a catch-up message
    EXPIRED = "expired"  # inbox: parked while blocked, too old to push on return


UNSENT = (Status.PENDING, Status.SENDING)


class Payload(Protocol):
    """A kind's payload: a frozen dataclass that writes itself as JSON (read back by ``Kind.decode``)."""

    def to_json(self) -> JsonObject:
        """The payload as a JSON object."""
        ...


P = TypeVar("P", bound=Payload)


@dataclass(frozen=True)
class Kind(Generic[P]):
    """One kind of message: ``name`` (stored in ``outbox.kind``, at most 32 characters), how its payload
    is read back, the priority rows of this kind get unless the producer says otherwise, and how many
    chat messages one row makes."""

    name: str
    decode: Callable[[JsonObject], P]
    priority: Priority = Priority.NOTIFICATION
    messages: int = 1  # chat messages a row makes (a document group: one per document), for pacing


# --- reading JSON payloads back (small typed accessors: a payload's from_json uses these) -------------

def json_int(data: JsonObject, key: str) -> int:
    """``data[key]`` as an int (ValueError when it is not one)."""
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"payload field {key!r} is not an integer")
    return value


def json_str(data: JsonObject, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ValueError(f"payload field {key!r} is not a string")
    return value


def json_opt_str(data: JsonObject, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


def json_bool(data: JsonObject, key: str, default: bool = False) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def json_ints(data: JsonObject, key: str) -> tuple[int, ...]:
    value = data.get(key)
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool))


def json_opt_date(data: JsonObject, key: str) -> date | None:
    value = data.get(key)
    return date.fromisoformat(value) if isinstance(value, str) and value else None


# --- rows as the delivery side sees them ------------------------------------------------------------

@dataclass(frozen=True)
class OutboxItem:
    """One row with what rendering needs: the recipient's language and whether they are still a member
    of the row's company (a removed member's queued rows are dropped, not sent)."""

    id: int
    chat_id: int
    user_id: int | None
    company_id: int | None
    kind: str
    priority: Priority
    payload: JsonObject
    status: Status
    after_message_id: int | None
    message_ids: tuple[int, ...]
    attempts: int
    created_at: datetime
    language: str
    member: bool

    def decode(self, kind: Kind[P]) -> P:
        """The typed payload (``kind`` must be this row's kind)."""
        if kind.name != self.kind:
            raise ValueError(f"row {self.id} is a {self.kind!r}, not a {kind.name!r}")
        return kind.decode(self.payload)


@dataclass(frozen=True)
class Due:
    """A row to submit to the sender."""

    id: int
    chat_id: int
    priority: Priority
    kind: str = ""


class Outbox:
    """The outbox table: adding rows (producers, inside their transaction) and the delivery state machine
    (the dispatcher, each step in its own short transaction)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    # --- producing ----------------------------------------------------------------------------------

    async def add(self, session: AsyncSession, kind: Kind[P], *, chat_id: int, payload: P,
                  user_id: int | None = None, company_id: int | None = None,
                  priority: Priority | None = None, dedupe_key: str | None = None,
                  not_before: datetime | None = None, created_at: datetime | None = None) -> int | None:
        """Queue one message inside the caller's transaction; its id, or None when a row with the same
        ``dedupe_key`` exists already (idempotent producers: adding twice queues once).

        ``user_id`` / ``company_id``: the recipient and the company the message is about (a row of a
        user who is no longer a member of that company is dropped when its turn comes); both must exist.
        ``not_before``: not sent before then (quiet hours, scheduled reminders). ``created_at``: the time
        of the state change (default: now)."""
        values: dict[str, object] = {
                  "chat_id": chat_id, "user_id": user_id, "company_id": company_id, "kind": kind.name,
                  "priority": int(kind.priority if priority is None else priority),
                  "payload": payload.to_json(), "status": Status.PENDING.value, "not_before": not_before,
                  "message_ids": [], "attempts": 0, "dedupe_key": dedupe_key,
                  "created_at": created_at or self.clock()}
        if dedupe_key is None:
            added = await session.execute(insert(OutboxRow).values(**values).returning(OutboxRow.id))
            return added.scalar()
        if (await session.execute(select(OutboxRow.id).where(OutboxRow.dedupe_key == dedupe_key))).first():
            return None
        # A concurrent producer (another process) may insert the same key between the look and the insert:
        # ON CONFLICT DO NOTHING keeps the caller's transaction alive instead of failing it.
        dialect = self.db.engine.dialect.name
        stmt = postgresql.insert(OutboxRow) if dialect == "postgresql" else sqlite.insert(OutboxRow)
        stmt = stmt.values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
        return (await session.execute(stmt.returning(OutboxRow.id))).scalar()

    # --- what to send -------------------------------------------------------------------------------

    async def due(self, limit: int = 1000) -> list[Due]:
        """Pending rows whose ``not_before`` has passed, by priority, oldest first."""
        now = self.clock()
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(OutboxRow.id, OutboxRow.chat_id, OutboxRow.priority, OutboxRow.kind).where(
                    OutboxRow.status == Status.PENDING,
                    or_(OutboxRow.not_before.is_(None), OutboxRow.not_before <= now))
                .order_by(OutboxRow.priority, OutboxRow.id).limit(limit))
            return [Due(i, c, Priority(p), k) for i, c, p, k in rows.all()]

    async def in_doubt(self) -> list[Due]:
        """Rows left ``sending`` (the process stopped between the Telegram call and marking the row)."""
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(OutboxRow.id, OutboxRow.chat_id, OutboxRow.priority, OutboxRow.kind)
                .where(OutboxRow.status == Status.SENDING).order_by(OutboxRow.id))
            return [Due(i, c, Priority(p), k) for i, c, p, k in rows.all()]

    async def get(self, row_id: int) -> OutboxItem | None:
        """One row with its recipient's language and membership, as of now."""
        async with self.db.transaction() as session:
            row = await session.get(OutboxRow, row_id)
            if row is None:
                return None
            language = None
            if row.user_id is not None:
                language = (await session.execute(select(User.language)
                                                  .where(User.id == row.user_id))).scalar()
            member = True
            if row.user_id is not None and row.company_id is not None:
                member = bool((await session.execute(select(exists().where(
                    CompanyMember.company_id == row.company_id,
                    CompanyMember.user_id == row.user_id)))).scalar())
            return OutboxItem(row.id, row.chat_id, row.user_id, row.company_id, row.kind,
                              Priority(row.priority), dict(row.payload), Status(row.status),
                              row.after_message_id, tuple(row.message_ids or ()), row.attempts,
                              row.created_at, language or "pl", member)

    # --- the delivery state machine -----------------------------------------------------------------

    async def mark_sending(self, row_id: int, newest_known: int = 0) -> int:
        """Record that the Telegram call is about to happen, with the newest message id known in the chat
        (from this process, or the stored cursor): a probe after a crash starts after it. Returns it."""
        async with self.db.transaction() as session:
            row = await session.get(OutboxRow, row_id)
            if row is None:
                return 0
            cursor = await session.get(ChatCursor, row.chat_id)
            after = max(cursor.last_message_id if cursor is not None else 0, newest_known)
            if newest_known:
                await _note(session, row.chat_id, newest_known)
            row.status, row.after_message_id, row.attempts = Status.SENDING.value, after, row.attempts + 1
            return after

    async def mark_sent(self, row_id: int, message_ids: Sequence[int]) -> float | None:
        """The message is in the chat (sent now, or found by a probe); the seconds since the row was
        created (the delay metric), None when the row is gone."""
        async with self.db.transaction() as session:
            row = await session.get(OutboxRow, row_id)
            if row is None:
                return None
            row.status, row.message_ids, row.sent_at = Status.SENT.value, list(message_ids), self.clock()
            if message_ids:
                await _note(session, row.chat_id, max(message_ids))
            return (row.sent_at - row.created_at).total_seconds()

    async def mark(self, row_id: int, status: Status) -> None:
        """``pending`` (certainly not delivered: try again later), ``failed``, ``dropped``..."""
        async with self.db.transaction() as session:
            await session.execute(update(OutboxRow).where(OutboxRow.id == row_id).values(status=status.value))

    async def note_messages(self, newest: dict[int, int]) -> None:
        """Store the newest message ids seen in chats (chat → id; kept only when newer)."""
        async with self.db.transaction() as session:
            chats = list(newest)
            for start in range(0, len(chats), 500):
                chunk = chats[start:start + 500]
                known = {c.chat_id: c for c in (await session.execute(
                    select(ChatCursor).where(ChatCursor.chat_id.in_(chunk)))).scalars()}
                for chat_id in chunk:
                    cursor = known.get(chat_id)
                    if cursor is None:
                        session.add(ChatCursor(chat_id=chat_id, last_message_id=newest[chat_id]))
                    elif newest[chat_id] > cursor.last_message_id:
                        cursor.last_message_id = newest[chat_id]

    @staticmethod
    async def block_chat(session: AsyncSession, chat_id: int) -> None:
        """The user blocked the bot: the chat's unsent rows are parked (``blocked``), inside the caller's
        transaction (the one that pauses the user: a return seen in between must find both or neither)."""
        await session.execute(update(OutboxRow).where(
            OutboxRow.chat_id == chat_id, OutboxRow.status.in_(UNSENT)).values(status=Status.BLOCKED.value))

    # --- counting -------------------------------------------------------------------------------------

    async def pending_count(self) -> int:
        """Rows not yet sent (pending or sending): the ``ksefbot_outbox_pending`` gauge."""
        async with self.db.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(OutboxRow)
                                         .where(OutboxRow.status.in_(UNSENT)))
            return int(found or 0)

    async def counts(self, kind: str | None = None) -> dict[str, int]:
        """Rows per status (of one kind, or all): progress for logs, tests and benchmarks."""
        async with self.db.transaction() as session:
            query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            if kind is not None:
                query = query.where(OutboxRow.kind == kind)
            return {status: int(n) for status, n in (await session.execute(query)).all()}

    async def unsent_for(self, chat_id: int) -> int:
        """Rows of one chat not yet sent."""
        async with self.db.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(OutboxRow).where(
                and_(OutboxRow.chat_id == chat_id, OutboxRow.status.in_(UNSENT))))
            return int(found or 0)


async def _note(session: AsyncSession, chat_id: int, message_id: int) -> None:
    cursor = await session.get(ChatCursor, chat_id)
    if cursor is None:
        session.add(ChatCursor(chat_id=chat_id, last_message_id=message_id))
    elif message_id > cursor.last_message_id:
        cursor.last_message_id = message_id
