"""In-memory state of the KSeF simulator: subjects, tokens, authentication, sessions, invoices.

Every mutation happens under ``SimState.lock`` (an ``RLock``): the ASGI app runs in its own
thread/event loop while tests read the same object for assertions.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from ksef.timezone import WARSAW as WARSAW  # re-exported for the simulator's modules


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """ISO-8601 with an explicit ``+00:00`` offset (KSeF answers with up to 7 fractional digits).

    Microseconds are kept so that "continue from the last record's date" never skips or loops.
    """
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def new_reference(infix: str, when: datetime | None = None) -> str:
    """A 36-character reference number ``YYYYMMDD-XX-HHHHHHHHHH-HHHHHHHHHH-HH`` (docs/ksef.md#conventions)."""
    day = (when or utcnow()).astimezone(WARSAW).strftime("%Y%m%d")
    hexes = [secrets.token_hex(n).upper() for n in (5, 5, 1)]
    return f"{day}-{infix}-{hexes[0]}-{hexes[1]}-{hexes[2]}"


@dataclass
class SimConfig:
    """Tunables exposed through ``PUT /sim/config``."""

    access_token_seconds: int = 900
    processing_delay_seconds: float = 0.0
    storage_delay_seconds: float = 0.0
    hwm_lag_seconds: float = 2.0
    query_cap: int = 10_000
    nip_checksum: bool = False  # TEST does not enforce NIP checksums (docs/ksef.md#invoice-checks)
    validate_requests: bool = True
    query_delay_seconds: float = 0.0  # extra latency of POST /invoices/query/metadata (tests of overlap)
    # Discouraged characters (xml-002): production warns and accepts (CIRFMF/ksef-api #843, 2.9.0);
    # true follows the announced rejection (status 430).
    reject_discouraged_characters: bool = False
    collective_identifier_max_invoices: int = 500  # EffectiveContextLimits.collectiveIdentifier

    # JSON names used by the admin API
    JSON_NAMES: ClassVar[dict[str, str]] = {
        "accessTokenSeconds": "access_token_seconds",
        "processingDelaySeconds": "processing_delay_seconds",
        "storageDelaySeconds": "storage_delay_seconds",
        "hwmLagSeconds": "hwm_lag_seconds",
        "queryCap": "query_cap",
        "nipChecksum": "nip_checksum",
        "validateRequests": "validate_requests",
        "queryDelaySeconds": "query_delay_seconds",
        "rejectDiscouragedCharacters": "reject_discouraged_characters",
        "collectiveIdentifierMaxInvoices": "collective_identifier_max_invoices",
    }

    def to_json(self) -> dict[str, Any]:
        """Config as the admin API shows it."""
        return {k: getattr(self, v) for k, v in self.JSON_NAMES.items()}


@dataclass
class MfKey:
    """One MF public-key certificate with its private key (PEM), for one usage."""

    usage: str
    private_key_pem: str
    certificate_der: bytes
    certificate_id: str
    public_key_id: str
    valid_from: datetime
    valid_to: datetime


@dataclass
class KsefToken:
    """A KSeF token (the long-lived secret) in one NIP context."""

    reference_number: str
    secret: str
    nip: str
    permissions: list[str]
    description: str
    created: datetime
    status: str = "Active"
    last_use: datetime | None = None


@dataclass
class AuthOperation:
    """One authentication operation (``…-AU-…``)."""

    reference_number: str
    nip: str
    started: datetime
    method: str  # "Token" | "QualifiedSignature" ...
    status_code: int
    status_description: str
    status_details: list[str]
    permissions: list[str]
    token_reference: str | None = None
    redeemed: bool = False
    refresh_revoked: bool = False
    last_refresh: datetime | None = None
    refresh_valid_until: datetime | None = None


@dataclass
class IssuedJwt:
    """A JWT the simulator issued: operation, access or refresh token."""

    jti: str
    kind: str  # "operation" | "access" | "refresh"
    auth_reference: str
    nip: str
    permissions: list[str]
    expires: datetime


@dataclass
class SessionInvoice:
    """An invoice sent in an online session, with its processing outcome."""

    reference_number: str
    ordinal: int
    received: datetime
    due: datetime
    invoice_hash: str
    ciphertext: bytes
    offline_mode: bool
    hash_of_corrected: str | None
    status_code: int = 100
    status_description: str = "Przyjęto do dalszego przetwarzania"
    status_details: list[str] = field(default_factory=list)
    extensions: dict[str, str] | None = None
    ksef_number: str | None = None
    invoice_number: str | None = None
    invoicing_mode: str = "Online"
    upo_id: str | None = None


@dataclass
class OnlineSession:
    """One online session (``…-SO-…``)."""

    reference_number: str
    nip: str
    auth_reference: str
    created: datetime
    updated: datetime
    valid_until: datetime
    aes_key: bytes | None  # None: the symmetric key could not be decrypted (status 415)
    iv: bytes
    form_code: dict[str, str]
    invoices: list[SessionInvoice] = field(default_factory=list)
    closed: bool = False
    closed_at: datetime | None = None
    upo_pages: list[str] = field(default_factory=list)  # UPO reference numbers
    unavailable: bool = False  # "temporarily unavailable" (21184): sends refused, open a new session
    # X-KSeF-Feature: subject-identifier-validation at opening (2.9.0): NIP checksums checked (450)
    validate_subject_identifiers: bool = False


@dataclass
class StoredInvoice:
    """An invoice in the KSeF repository (sent through a session or injected)."""

    ksef_number: str
    xml: bytes
    invoice_hash: str
    seller_nip: str
    seller_name: str | None
    buyer_type: str  # Nip | VatUe | Other | None
    buyer_id: str | None
    buyer_name: str | None
    invoice_number: str
    issue_date: str
    invoicing_date: datetime
    acquisition_date: datetime
    permanent_storage_date: datetime
    net_amount: float
    vat_amount: float
    gross_amount: float
    currency: str
    invoice_type: str  # Vat, Kor ...
    rodzaj: str  # VAT, KOR ... (duplicate key part)
    invoicing_mode: str
    is_self_invoicing: bool
    has_attachment: bool
    session_reference: str | None = None
    hash_of_corrected: str | None = None


@dataclass
class CollectiveIdInvoice:
    """One invoice of a collective identifier, with the optional payment details given at creation."""

    ksef_number: str
    amount: float | None = None
    currency: str | None = None
    description: str | None = None


@dataclass
class CollectiveId:
    """A collective identifier (IZ): created in one context for invoices of one seller."""

    number: str
    context_nip: str  # the context that created it
    seller_nip: str
    created: datetime
    invoices: list[CollectiveIdInvoice] = field(default_factory=list)


@dataclass
class Upo:
    """A generated UPO document (served by reference and by a pre-signed URL)."""

    reference_number: str
    xml: bytes
    download_id: str
    expires: datetime


@dataclass
class LatarniaState:
    """What the status service reports."""

    status: str = "AVAILABLE"
    messages: list[dict[str, Any]] = field(default_factory=list)
    down: bool = False


@dataclass
class Availability:
    """API availability switches (``PUT /sim/availability``)."""

    api: str = "up"  # up | down | error500 | slow
    slow_seconds: float = 5.0
    latarnia: LatarniaState = field(default_factory=LatarniaState)


@dataclass
class SimState:
    """Everything the simulator knows. Persisted as JSON by :mod:`ksef.sim.persistence`."""

    config: SimConfig = field(default_factory=SimConfig)
    keys: list[MfKey] = field(default_factory=list)
    jwt_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    subjects: dict[str, dict[str, Any]] = field(default_factory=dict)  # nip -> {"nip","name"}
    tokens: dict[str, KsefToken] = field(default_factory=dict)  # reference -> token
    challenges: dict[str, datetime] = field(default_factory=dict)  # challenge -> timestamp
    auth_operations: dict[str, AuthOperation] = field(default_factory=dict)
    jwts: dict[str, IssuedJwt] = field(default_factory=dict)
    sessions: dict[str, OnlineSession] = field(default_factory=dict)
    invoices: dict[str, StoredInvoice] = field(default_factory=dict)  # ksef number -> invoice
    duplicate_keys: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # key -> (ksef, session)
    rejected_offline_hashes: dict[str, bool] = field(default_factory=dict)  # hash -> corrected already
    upos: dict[str, Upo] = field(default_factory=dict)  # UPO reference -> document
    collective_ids: dict[str, CollectiveId] = field(default_factory=dict)  # IZ number -> IZ
    availability: Availability = field(default_factory=Availability)
    hwm_reported: datetime | None = None
    ca_state: dict[str, Any] | None = None  # opaque state of ksef.sim.ca, when present

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.dirty = threading.Event()

    # --- small lookups shared by several modules -------------------------------------------------
    def token_by_secret(self, secret: str) -> KsefToken | None:
        """The KSeF token whose secret is exactly ``secret``."""
        for token in self.tokens.values():
            if secrets.compare_digest(token.secret.encode(), secret.encode()):
                return token
        return None

    def key_for(self, usage: str) -> MfKey:
        """The newest MF key for ``usage``."""
        candidates = [k for k in self.keys if k.usage == usage]
        return max(candidates, key=lambda k: k.valid_from)

    def key_by_id(self, public_key_id: str) -> MfKey | None:
        """The MF key with that ``publicKeyId``."""
        return next((k for k in self.keys if k.public_key_id == public_key_id), None)

    def mark_dirty(self) -> None:
        """Ask the persistence task to write the state soon."""
        self.dirty.set()

    def hwm(self, now: datetime | None = None) -> datetime:
        """Current ``permanentStorageHwmDate``: lags now, never goes back, never passes an unstored invoice.

        The guarantee clients rely on: no invoice ever appears with permanentStorageDate <= a HWM
        already reported.
        """
        now = now or utcnow()
        candidate = now - timedelta(seconds=self.config.hwm_lag_seconds)
        pending = [i.permanent_storage_date for i in self.invoices.values() if i.permanent_storage_date > now]
        if pending:
            candidate = min(candidate, min(pending) - timedelta(microseconds=1))
        if self.hwm_reported is not None and candidate < self.hwm_reported:
            candidate = self.hwm_reported
        return candidate

    def report_hwm(self, now: datetime | None = None) -> datetime:
        """Compute the HWM and remember it as reported (it may never go backwards afterwards)."""
        value = self.hwm(now)
        self.hwm_reported = value
        self.mark_dirty()
        return value

    def counts(self) -> dict[str, int]:
        """Sizes for ``GET /sim/state``."""
        return {
            "subjects": len(self.subjects),
            "tokens": len(self.tokens),
            "invoices": len(self.invoices),
            "sessions": len(self.sessions),
        }
