"""The one outbox: every message the bot sends on its own is a row here first (see ``docs/outbox.md``).

A row is written in the same transaction as the state change that makes it due (a found invoice, an
availability transition, an issued invoice's result, a due reminder), then delivered by the one paced
sender under one exactly-once protocol (``bot.services.delivery``): ``pending`` → ``sending`` (with the
newest message id known in the chat, where a probe after a crash starts) → ``sent`` (with Telegram's
message ids). Other end states: ``failed`` (Telegram refused it for good), ``blocked`` (the user blocked
the bot), ``dropped`` (no longer due when its turn came: e.g. the member left the company), and the
inbox's ``requeued`` / ``expired`` (rows parked while blocked, settled when the user comes back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, UtcDateTime, utcnow


class OutboxRow(Base):
    """One message (or one document group) for one chat; ``payload`` is the kind's typed payload as JSON."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True,
                                                index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"),
                                                   nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer)  # ``bot.pacing.Priority``
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    after_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Idempotent producers: e.g. ``issued:<id>:accepted``; NULL when a producer needs none.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ChatCursor(Base):
    """The newest message id known in a chat (from our own sends): where a delivery probe starts after a
    restart, when this process has not seen the chat yet."""

    __tablename__ = "outbox_chat_cursors"
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    last_message_id: Mapped[int] = mapped_column(BigInteger, default=0)
