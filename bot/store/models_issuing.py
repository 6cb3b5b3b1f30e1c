"""Tables of issuing: the seller profile, number counters, contractors and issued invoices.

An issued invoice is stored (state ``prepared``, exact XML bytes + SHA-256) before anything is sent,
so a crash never loses it and a restart reconciles it with KSeF instead of sending it blindly again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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


class SellerProfile(Base):
    """What every invoice of a company repeats: the seller's data and defaults (one row per company)."""

    __tablename__ = "seller_profiles"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True,
                                            autoincrement=False)
    name: Mapped[str] = mapped_column(String(512))
    address: Mapped[list[str]] = mapped_column(JSON, default=list)
    vat_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    bank_account: Mapped[str | None] = mapped_column(String(40), nullable=True)
    default_rate: Mapped[str] = mapped_column(String(8), default="23")
    payment_days: Mapped[int] = mapped_column(Integer, default=14)
    pattern: Mapped[str] = mapped_column(String(100), default="FV/{n}/{MM}/{YYYY}")
    reset: Mapped[str] = mapped_column(String(8), default="monthly")  # monthly | yearly
    prices: Mapped[str] = mapped_column(String(8), default="net", server_default="net")  # net | gross
    # Corrections have their own series (restarting yearly, or monthly when the pattern has {MM}).
    correction_pattern: Mapped[str] = mapped_column(String(100), default="KOR/{n}/{YYYY}")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class InvoiceCounter(Base):
    """The last number used per company, series (pattern) and period; bumped in the invoice's transaction."""

    __tablename__ = "invoice_counters"
    __table_args__ = (UniqueConstraint("company_id", "series", "period", name="uq_invoice_counters_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    series: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(8))
    last: Mapped[int] = mapped_column(Integer, default=0)


class Contractor(Base):
    """A buyer the company invoiced before (found again by NIP)."""

    __tablename__ = "contractors"
    __table_args__ = (UniqueConstraint("company_id", "nip", name="uq_contractors_company_nip"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    nip: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(512))
    address: Mapped[list[str]] = mapped_column(JSON, default=list)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class IssuedInvoice(Base):
    """A sales invoice issued through the bot, with the exact XML bytes given to KSeF."""

    __tablename__ = "issued_invoices"
    __table_args__ = (UniqueConstraint("company_id", "number", name="uq_issued_invoices_company_number"),
                      # The sales register lists one company's documents newest first, by month.
                      Index("ix_issued_invoices_register", "company_id", "issue_date", "id"),
                      # Overdue invoices not told yet: IS NULL on the first column, a range on the second.
                      Index("ix_issued_invoices_overdue", "overdue_told_at", "due_date"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8), default="pl")
    number: Mapped[str] = mapped_column(String(256))
    issue_date: Mapped[date] = mapped_column(Date)
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    invoice_hash: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # ``bot.services.issuing.InvoiceState``
    mode: Mapped[str] = mapped_column(String(16), default="online")  # online | offline24 | offline | awaryjny
    session_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    invoice_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ksef_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_text: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    legal_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    kod2_url: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    # Technical correction of a rejected offline invoice: the SHA-256 of the rejected bytes
    # (docs/ksef.md#technical-correction).
    corrected_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # ``X-System-Warning`` codes KSeF gave this invoice (comma-separated), e.g. ``xml-002``.
    system_warnings: Mapped[str | None] = mapped_column(String(200), nullable=True)
    notified_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # --- the sales register (``bot.services.sales``): read by lists, cards and searches without the XML,
    # filled from the XML whenever it is written (``bot.services.issuing.columns``).
    kind: Mapped[str] = mapped_column(String(8), default="VAT")  # FA(3) RodzajFaktury: VAT | KOR
    # A correction: the document it corrects (an invoice or an earlier correction) and the invoice the
    # chain starts from; the next correction starts from that invoice's XML plus every correction's.
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("issued_invoices.id", ondelete="CASCADE"),
                                                    nullable=True, index=True)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("issued_invoices.id", ondelete="CASCADE"),
                                                    nullable=True, index=True)
    buyer_name: Mapped[str] = mapped_column(String(512), default="")
    buyer_nip: Mapped[str | None] = mapped_column(String(20), nullable=True)
    search_text: Mapped[str] = mapped_column(String(1400), default="")  # folded number, buyer, NIP
    currency: Mapped[str] = mapped_column(String(3), default="PLN")
    # Amounts in hundredths of ``currency`` (a correction: the differences, negative = back to the buyer).
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    gross_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    overdue_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # told once
    upo: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # fetched from KSeF once



class WhiteListAnswer(Base):
    """An answer of MF's VAT taxpayer list kept for the rest of its day (shared by every process)."""

    __tablename__ = "whitelist_answers"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    answer: Mapped[str] = mapped_column(Text)


class WhiteListBudget(Base):
    """Requests of one white-list method made today from this deployment (MF limits them per IP and day)."""

    __tablename__ = "whitelist_budget"
    method: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    used: Mapped[int] = mapped_column(Integer, default=0)
    exhausted: Mapped[bool] = mapped_column(Boolean, default=False)  # MF answered WL-191 today


class SalesPayment(Base):
    """A payment the seller recorded for an issued invoice (its customer paid all or part of it)."""

    __tablename__ = "sales_payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("issued_invoices.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # hundredths of the invoice's currency
    paid_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
