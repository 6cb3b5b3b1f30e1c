"""Tables of the KSeF availability monitor: the monitor's snapshot, every transition, and who muted
maintenance announcements.

Exactly-once as the user sees it: a transition row and all its alerts (one outbox row per user,
``bot.store.models_outbox``) are written in the same transaction as the monitor snapshot that produced
it, so a crash either loses the whole transition, which is then detected again, or keeps all of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
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


class AvailabilityPrefs(Base):
    """A user's choice about maintenance announcements (failure alerts cannot be muted)."""

    __tablename__ = "availability_prefs"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    maintenance_muted: Mapped[bool] = mapped_column(Boolean, default=False)
