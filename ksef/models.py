"""Typed objects returned by the KSeF client (parsed from the API's JSON, unknown fields ignored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ksef.system_warnings import SystemWarning


def parse_datetime(value: object) -> datetime | None:
    """Lenient ISO-8601 parse (KSeF sends up to 7 fractional digits); naive values are taken as UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python keeps 6 fractional digits; trim longer fractions (KSeF: .0154302).
    if "." in text:
        head, _, rest = text.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        text = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """ISO-8601 with an explicit offset, as KSeF date filters need (docs/ksef.md#conventions)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="microseconds")


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _strs(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class AuthInfo:
    """Result of :meth:`KsefClient.authenticate`: the tokens' validity (never the tokens themselves)."""

    reference_number: str
    access_valid_until: datetime
    refresh_valid_until: datetime | None


@dataclass(frozen=True)
class TokenInfo:
    """The caller's own KSeF token as ``GET /tokens/{referenceNumber}`` describes it."""

    reference_number: str
    permissions: frozenset[str]
    status: str
    description: str

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TokenInfo:
        return cls(
            reference_number=_str(body.get("referenceNumber")),
            permissions=frozenset(_strs(body.get("requestedPermissions"))),
            status=_str(body.get("status")),
            description=_str(body.get("description")),
        )


@dataclass(frozen=True)
class InvoiceMetadata:
    """One received (or issued) invoice from ``POST /invoices/query/metadata``."""

    ksef_number: str
    invoice_number: str
    issue_date: str
    invoicing_date: datetime | None
    acquisition_date: datetime | None
    permanent_storage_date: datetime | None
    permanent_storage_raw: str
    seller_nip: str
    seller_name: str
    buyer_identifier: str
    buyer_name: str
    net_amount: float
    gross_amount: float
    vat_amount: float
    currency: str
    invoicing_mode: str
    invoice_type: str
    invoice_hash: str
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> InvoiceMetadata:
        seller = body.get("seller") or {}
        buyer = body.get("buyer") or {}
        ident = buyer.get("identifier") or {}

        def num(key: str) -> float:
            value = body.get(key)
            return float(value) if isinstance(value, int | float) else 0.0

        return cls(
            ksef_number=_str(body.get("ksefNumber")),
            invoice_number=_str(body.get("invoiceNumber")),
            issue_date=_str(body.get("issueDate")),
            invoicing_date=parse_datetime(body.get("invoicingDate")),
            acquisition_date=parse_datetime(body.get("acquisitionDate")),
            permanent_storage_date=parse_datetime(body.get("permanentStorageDate")),
            permanent_storage_raw=_str(body.get("permanentStorageDate")),
            seller_nip=_str(seller.get("nip")),
            seller_name=_str(seller.get("name")),
            buyer_identifier=_str(ident.get("value")),
            buyer_name=_str(buyer.get("name")),
            net_amount=num("netAmount"),
            gross_amount=num("grossAmount"),
            vat_amount=num("vatAmount"),
            currency=_str(body.get("currency")),
            invoicing_mode=_str(body.get("invoicingMode")),
            invoice_type=_str(body.get("invoiceType")),
            invoice_hash=_str(body.get("invoiceHash")),
            raw=body,
        )


@dataclass(frozen=True)
class ReceivedBatch:
    """Everything new since a cursor: store ``next_cursor`` only after handling ``invoices``.

    ``complete`` is False when the rate limit stopped a long catch-up early: the batch and cursor are
    still consistent (nothing skipped), there is simply more to fetch once the limit allows.
    """

    invoices: list[InvoiceMetadata]
    next_cursor: str
    hwm: datetime
    complete: bool = True


@dataclass(frozen=True)
class SentInvoice:
    """Status of one invoice sent in an online session (``status_code`` >= 200 is final)."""

    reference_number: str
    session_reference: str
    status_code: int
    status_description: str
    details: list[str]
    ksef_number: str | None
    invoice_hash: str
    acquisition_date: datetime | None
    invoicing_mode: str | None
    upo_download_url: str | None
    invoice_number: str | None = None
    ordinal_number: int | None = None
    permanent_storage_date: datetime | None = None
    extensions: dict[str, str] = field(default_factory=dict)
    # X-System-Warning of the send and status answers (e.g. xml-002: discouraged characters)
    warnings: tuple[SystemWarning, ...] = ()

    @property
    def is_final(self) -> bool:
        return self.status_code >= 200

    @property
    def is_accepted(self) -> bool:
        return self.status_code == 200

    @classmethod
    def from_json(cls, session_reference: str, body: dict[str, Any]) -> SentInvoice:
        status = body.get("status") or {}
        ext = status.get("extensions") or {}
        code = status.get("code")
        ordinal = body.get("ordinalNumber")
        return cls(
            reference_number=_str(body.get("referenceNumber")),
            session_reference=session_reference,
            status_code=code if isinstance(code, int) else 0,
            status_description=_str(status.get("description")),
            details=_strs(status.get("details")),
            ksef_number=body.get("ksefNumber") or None,
            invoice_hash=_str(body.get("invoiceHash")),
            acquisition_date=parse_datetime(body.get("acquisitionDate")),
            invoicing_mode=body.get("invoicingMode") or None,
            upo_download_url=body.get("upoDownloadUrl") or None,
            invoice_number=body.get("invoiceNumber") or None,
            ordinal_number=ordinal if isinstance(ordinal, int) else None,
            permanent_storage_date=parse_datetime(body.get("permanentStorageDate")),
            extensions={str(k): str(v) for k, v in ext.items() if v is not None}
            if isinstance(ext, dict) else {},
        )


@dataclass(frozen=True)
class SessionStatus:
    """``GET /sessions/{ref}``: state of an online session and its UPO pages."""

    reference_number: str
    status_code: int
    status_description: str
    valid_until: datetime | None
    invoice_count: int
    successful_invoice_count: int
    failed_invoice_count: int
    upo_pages: list[str]   # UPO reference numbers, for ``GET /sessions/{ref}/upo/{upoRef}``

    @classmethod
    def from_json(cls, reference: str, body: dict[str, Any]) -> SessionStatus:
        status = body.get("status") or {}
        upo = body.get("upo") or {}
        pages = upo.get("pages") or [] if isinstance(upo, dict) else []

        def count(key: str) -> int:
            value = body.get(key)
            return value if isinstance(value, int) else 0

        code = status.get("code")
        return cls(
            reference_number=reference,
            status_code=code if isinstance(code, int) else 0,
            status_description=_str(status.get("description")),
            valid_until=parse_datetime(body.get("validUntil")),
            invoice_count=count("invoiceCount"),
            successful_invoice_count=count("successfulInvoiceCount"),
            failed_invoice_count=count("failedInvoiceCount"),
            upo_pages=[_str(p.get("referenceNumber")) for p in pages if isinstance(p, dict)],
        )


@dataclass(frozen=True)
class LatarniaMessage:
    """One announcement of the KSeF status service (docs/ksef.md#availability-latarnia)."""

    id: str
    event_id: int | None
    category: str
    type: str
    title: str
    text: str
    start: datetime | None
    end: datetime | None
    version: int | None
    published: datetime | None

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> LatarniaMessage:
        event_id, version = body.get("eventId"), body.get("version")
        return cls(
            id=_str(body.get("id")),
            event_id=event_id if isinstance(event_id, int) else None,
            category=_str(body.get("category")),
            type=_str(body.get("type")),
            title=_str(body.get("title")),
            text=_str(body.get("text")),
            start=parse_datetime(body.get("start")),
            end=parse_datetime(body.get("end")),
            version=version if isinstance(version, int) else None,
            published=parse_datetime(body.get("published")),
        )


@dataclass(frozen=True)
class LatarniaStatus:
    """``GET {latarnia}/status``: AVAILABLE, MAINTENANCE, FAILURE or TOTAL_FAILURE plus messages."""

    status: str
    messages: list[LatarniaMessage]


def now_utc() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)
