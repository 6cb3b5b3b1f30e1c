"""Tables of the KSeF availability monitor (issue 7): the monitor's snapshot, every transition, one
broadcast delivery row per (transition, user), and who muted maintenance announcements.

Exactly-once as the user sees it: a transition row and all its delivery rows are written in the same
transaction as the monitor snapshot that produced it (so a crash either loses the whole transition,
which is then detected again, or keeps all of it); a delivery row is marked ``sending`` before the
Telegram call and ``sent`` after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, UtcDateTime, utcnow


class AvailabilitySnapshot(Base):
    """The pure monitor's state (``AvailabilityMonitor.to_dict``) for one environment."""

    __tablename__ = "availability_snapshots"
    environment: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AvailabilityTransition(Base):
    """One change of the public state, as broadcast (``info``: window, event, message titles)."""

    __tablename__ = "availability_transitions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    environment: Mapped[str] = mapped_column(String(200), index=True)
    from_state: Mapped[str] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str] = mapped_column(String(300))
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BroadcastDelivery(Base):
    """One announcement of a transition for one user: ``pending`` → ``sending`` → ``sent``
    (``failed`` when Telegram refused it for good, ``blocked`` when the user blocked the bot)."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("transition_id", "user_id", name="uq_broadcast_deliveries_transition_user"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transition_id: Mapped[int] = mapped_column(
        ForeignKey("availability_transitions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # The newest message id known in the chat when the send began: after a crash the delivery probe
    # looks just after it for our message (see ``bot.services.broadcast``).
    after_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AvailabilityPrefs(Base):
    """A user's choice about maintenance announcements (failure alerts cannot be muted)."""

    __tablename__ = "availability_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    maintenance_muted: Mapped[bool] = mapped_column(Boolean, default=False)
