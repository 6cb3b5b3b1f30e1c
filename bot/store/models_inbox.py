"""Tables of the purchase-invoice inbox: sync cursors, received invoices and per-member notification
preferences. Same ``Base`` as :mod:`bot.store.models`.

Exactly-once as the user sees it rests on three rules: an invoice row is unique per
(company, KSeF number); its notifications (``bot.store.models_outbox``) are written in the same
transaction as the cursor advance; an outbox row is marked ``sending`` before the Telegram call and
``sent`` after it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, UtcDateTime, utcnow


class InboxSync(Base):
    """Where polling of one company stands: the opaque KSeF cursor, the next poll time, when an invoice
    was last found (the poll interval follows it, ``bot.services.polling``) and the on-demand queries
    ("check now", back-fill) of the last hour, as ISO times (the budget they share)."""

    __tablename__ = "inbox_sync"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    cursor: Mapped[str] = mapped_column(Text)
    next_poll_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    last_poll_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_found_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    on_demand: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class ReceivedInvoice(Base):
    """A purchase invoice found in KSeF (the company is the buyer); the XML once downloaded."""

    __tablename__ = "received_invoices"
    __table_args__ = (
        UniqueConstraint("company_id", "ksef_number", name="uq_received_invoices_company_ksef"),
        Index("ix_received_invoices_due", "company_id", "due_date"),  # payables and reminders by due date
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    ksef_number: Mapped[str] = mapped_column(String(64))
    seller_nip: Mapped[str] = mapped_column(String(20))
    seller_name: Mapped[str] = mapped_column(String(512))
    invoice_number: Mapped[str] = mapped_column(String(256))
    issue_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    gross: Mapped[str] = mapped_column(String(32))  # decimal as text: exact on every backend
    currency: Mapped[str] = mapped_column(String(3))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    bank_account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    stored_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    xml: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    # Paying it (migration 0009). What the XML says, filled when the row is stored:
    split_payment: Mapped[bool] = mapped_column(Boolean, default=False)  # P_18A: split payment (MPP)
    bank_accounts: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # every NrRB, in order
    payment_method: Mapped[str | None] = mapped_column(String(8), nullable=True)  # FormaPlatnosci code
    # Paid state: paid_minor is what has been paid so far in minor units (grosze); paid_at is set when
    # the whole amount is paid, by the XML (Zaplacono=1, paid_source "xml") or by the user ("user").
    paid_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    paid_source: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The last check of the account to pay against MF's VAT taxpayer list (the proof a payer keeps).
    wl_account: Mapped[str | None] = mapped_column(String(34), nullable=True)
    wl_assigned: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    wl_request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    wl_checked_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    collective_id: Mapped[str | None] = mapped_column(String(40), nullable=True)  # IZ it is paid under

    def gross_minor(self) -> int | None:
        """The gross amount in minor units (grosze), or None when the stored text is not a number."""
        try:
            return int((Decimal(self.gross) * 100).to_integral_value(ROUND_HALF_UP))
        except (InvalidOperation, ValueError):
            return None

    def outstanding_minor(self) -> int | None:
        """What is left to pay in minor units of the invoice's currency: 0 once paid in full, None when
        the amount is unknown. The one definition the payment card, reminders and the month share."""
        if self.paid_at is not None:
            return 0
        gross = self.gross_minor()
        if gross is None:
            return None
        return max(gross - (self.paid_minor or 0), 0)


class InboxPrefs(Base):
    """A member's notification settings for one company: mute and quiet hours (Warsaw time)."""

    __tablename__ = "inbox_prefs"
    __table_args__ = (UniqueConstraint("company_id", "user_id", name="uq_inbox_prefs_company_user"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    muted: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_from: Mapped[int | None] = mapped_column(Integer, nullable=True)  # minutes after midnight
    quiet_to: Mapped[int | None] = mapped_column(Integer, nullable=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)  # the user blocked the bot
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # since when
    payment_reminders: Mapped[bool] = mapped_column(Boolean, default=True)  # due-date reminders (0009)
    month_summary: Mapped[bool] = mapped_column(Boolean, default=True)  # the month's figures (0009)


class PayableBatch(Base):
    """Overdue supplier invoices marked paid in one go (``/platnosci``, migration 0011): proposed when the
    user asks, applied once on "yes", undone once. ``items`` holds ``[invoice id, paid before, paid
    after, 1 if this batch changed it]`` (grosze) per invoice, so the undo restores exactly those rows."""

    __tablename__ = "payable_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cutoff: Mapped[date] = mapped_column(Date)  # invoices due before this day (the day it was proposed)
    state: Mapped[str] = mapped_column(String(8))  # "proposed" | "done" | "undone" | "dropped"
    items: Mapped[list[list[int]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
