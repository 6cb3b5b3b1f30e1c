"""One exception tree for everything the ``ksef`` library raises.

Owners of each module add specific subclasses here; callers catch :class:`KsefError`.
An error is never turned into an empty result.
"""

from __future__ import annotations

from enum import IntEnum


class ErrorCode(IntEnum):
    """``exceptionCode`` values of KSeF 400 answers the library acts on (KSeF API 2.9.0 descriptions)."""

    UNREADABLE_BODY = 21001           # "Nieczytelna treść.": the body could not be read (2.9.0)
    SESSION_INVOICE_LIMIT = 21155     # too many invoices in the session
    INVOICE_NOT_FOUND = 21164
    INVOICE_NOT_YET_AVAILABLE = 21165  # processed, not downloadable yet: retry later
    SESSION_NOT_FOUND = 21173
    SESSION_STATUS_FORBIDS = 21180    # the session's status forbids the operation
    DATE_RANGE_BEYOND_HWM = 21183
    SESSION_TEMPORARILY_UNAVAILABLE = 21184  # maintenance: open a new session and send again (2.8.0)
    VALIDATION = 21405                # generic input validation (e.g. a date range over 100 days)
    BAD_CONTINUATION_TOKEN = 21418
    UNKNOWN_PUBLIC_KEY = 21470
    CERTIFICATE_NOT_FOUND = 25008
    # collective identifiers (POST /collective-identifiers, 2.7.0)
    IZ_INVOICE_NOT_FOUND = 71001      # no such invoice (or not visible in this context)
    IZ_INVOICE_LIMIT = 71002          # the invoice already belongs to the maximum number of IZs (132)
    IZ_MIXED_SELLERS = 71004          # the invoices have different sellers
    IZ_DUPLICATE_INVOICE = 71005      # a KSeF number repeated in the request


class KsefError(Exception):
    """Base of every error raised by the ``ksef`` library."""


class KsefValidationError(KsefError, ValueError):
    """Input rejected locally before anything was sent (bad NIP, invalid XML, bad amount...)."""


# --- ksef.http / ksef.auth / ksef.client / ksef.session / ksef.sync / ksef.mfkeys (client library) ---


class KsefApiError(KsefError):
    """KSeF (or Latarnia) answered with an HTTP 4xx/5xx; fields parsed from whatever body came back."""

    def __init__(self, http_status: int, code: int | None = None, description: str = "",
                 details: list[str] | None = None, trace_id: str | None = None) -> None:
        self.http_status = http_status
        self.code = code
        self.description = description
        self.details = list(details or [])
        self.trace_id = trace_id
        text = f"KSeF odpowiedział HTTP {http_status}"
        if code is not None:
            text += f", kod {code}"
        if description:
            text += f": {description}"
        if self.details:
            text += " (" + "; ".join(self.details)[:300] + ")"
        super().__init__(text)


class RateLimitedError(KsefApiError):
    """HTTP 429, or the client's own pacing would need a wait longer than the caller allows.

    ``group``: the rate-limit group that refused (the one KSeF named in its answer, else the one the
    client expected); ``expected_group``: the group the client counted the call in. A 429 of a group
    the client did not expect (:attr:`unexpected`) means its figures are stale: read
    ``GET /rate-limits`` again.
    """

    def __init__(self, retry_after: float, http_status: int = 429, code: int | None = None,
                 description: str = "", details: list[str] | None = None,
                 trace_id: str | None = None, *, group: str | None = None,
                 expected_group: str | None = None) -> None:
        self.retry_after = retry_after
        self.group = group
        self.expected_group = expected_group
        super().__init__(http_status, code,
                         description or f"przekroczony limit zapytań, ponów za {retry_after:.0f} s",
                         details, trace_id)
        if http_status == 0:  # raised by the client's own pacing: nothing was sent
            self.args = (f"limit zapytań KSeF (wstrzymane po stronie klienta): {self.description}",)

    @property
    def unexpected(self) -> bool:
        """KSeF named a group other than the one the client counted the call in."""
        return None not in (self.group, self.expected_group) and self.group != self.expected_group


class UnreadableBodyError(KsefApiError):
    """21001: KSeF could not read the request body (malformed JSON or XML, wrong encoding): a bug on
    our side or something between us and KSeF changed the bytes; sending the same again will not help."""


class CollectiveIdentifierError(KsefApiError):
    """KSeF refused to create a collective identifier (71001 unknown invoice, 71002 the invoice has
    too many IZs, 71004 different sellers, 71005 repeated KSeF number; ``details`` name the invoice)."""


def api_error_class(code: int | None) -> type[KsefApiError]:
    """The most specific :class:`KsefApiError` subclass for a 4xx ``exceptionCode``."""
    if code == ErrorCode.UNREADABLE_BODY:
        return UnreadableBodyError
    if code is not None and 71001 <= code <= 71999:
        return CollectiveIdentifierError
    return KsefApiError


class KsefServerError(KsefApiError):
    """HTTP 5xx (the body may be an HTML page from the WAF/CDN)."""


class KsefUnavailableError(KsefError):
    """No usable answer: connection refused, timeout or repeated transport errors after retries."""


class AuthenticationError(KsefError):
    """Logging in with the KSeF token did not succeed."""


class InvalidTokenError(AuthenticationError):
    """KSeF does not accept the token (auth status 450: wrong token, challenge or time)."""


class TokenRevokedError(AuthenticationError):
    """The KSeF token was revoked or is inactive."""


class MissingPermissionsError(AuthenticationError):
    """The token lacks permissions the caller needs (``missing`` may be empty when KSeF does not say)."""

    def __init__(self, missing: frozenset[str], message: str | None = None) -> None:
        self.missing = missing
        super().__init__(message or (
            "token nie ma wymaganych uprawnień: " + ", ".join(sorted(missing)) if missing
            else "token nie ma uprawnień w tym kontekście"))


class AuthenticationFailedError(AuthenticationError):
    """Authentication ended with another final status code (460, 470, 480, 500, 550...)."""

    def __init__(self, status_code: int, message: str = "") -> None:
        self.status_code = status_code
        super().__init__(message or f"uwierzytelnienie nieudane (status {status_code})")


class SessionError(KsefError):
    """An online session could not be used (rejected, expired, or KSeF answered inconsistently)."""


class PublicKeyError(KsefError):
    """No usable MF public-key certificate for the needed usage."""


# --- ksef.fa3, ksef.amounts, ksef.banking (FA(3) invoices, amounts, bank accounts) ---


class AmountError(KsefValidationError):
    """A typed amount or quantity could not be understood (message in Polish)."""


class BankAccountError(KsefValidationError):
    """A bank account number is malformed or its IBAN checksum is wrong (message in Polish)."""


class InvoiceDataError(KsefValidationError):
    """Invoice data rejected before building FA(3) XML; ``field`` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)  # both in args, so the error survives pickling
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvoiceParseError(KsefValidationError):
    """A document is not a readable FA(3) invoice (malformed XML, wrong root, bad value)."""


class InvoiceSchemaError(KsefError):
    """Built FA(3) XML failed XSD validation — a bug in the builder, never the user's fault."""

    def __init__(self, issues: list[str]) -> None:
        super().__init__(issues)
        self.issues = issues

    def __str__(self) -> str:
        return "built FA(3) XML does not match the XSD: " + "; ".join(self.issues)


# --- ksef.fa3.correction (corrective invoices, RodzajFaktury KOR) ---


class CorrectionError(InvoiceDataError):
    """A correction cannot be made as asked; ``message`` tells the user why, in Polish."""


class NothingToCorrectError(CorrectionError):
    """The edited invoice reads exactly like the corrected one."""


class BelowZeroError(CorrectionError):
    """A quantity or price would go below zero after the correction."""


class PricingMethodChangeError(CorrectionError):
    """The correction prices lines gross where the corrected invoice priced them net, or the reverse."""


class CurrencyChangeError(CorrectionError):
    """The correction changes the currency or the exchange rate of the corrected invoice."""


class BuyerIdChangeError(CorrectionError):
    """The buyer's NIP (or other identifier) changes: that takes a correction to zero and a new invoice."""


class CorrectionNotReadyError(CorrectionError):
    """The corrected invoice has no KSeF number yet (offline, not sent): build the correction later."""


# --- ksef.xades (signed AuthTokenRequest) and ksef.sim.ca (the simulator's certificate authority) ---


class XadesError(KsefError):
    """A signed ``AuthTokenRequest`` was rejected; ``reason`` is a stable machine-readable code."""

    reason = "xades-error"


class MalformedDocumentError(XadesError):
    """Not well-formed XML, not an ``AuthTokenRequest``, or content that does not match the auth XSD."""

    reason = "malformed-document"


class MissingSignatureError(XadesError):
    """The document carries no ``ds:Signature``."""

    reason = "no-signature"


class MalformedSignatureError(XadesError):
    """A ``ds:Signature`` is there but incomplete, ambiguous or of an unsupported profile."""

    reason = "malformed-signature"


class SignatureScopeError(XadesError):
    """The signature does not cover the whole document (no enveloped ``URI=""`` reference)."""

    reason = "signature-scope"


class TamperedContentError(XadesError):
    """The document was changed after signing (the digest of the signed content does not match)."""

    reason = "tampered-content"


class SignedPropertiesError(XadesError):
    """XAdES SignedProperties are missing, changed after signing, or name another certificate."""

    reason = "signed-properties"


class BadSignatureError(XadesError):
    """The signature value does not verify with the certificate embedded in the document."""

    reason = "bad-signature"


class CertificateValidityError(XadesError):
    """The signing certificate is expired or not yet valid at the time of verification."""

    reason = "certificate-validity"


class CertificateAuthorityError(KsefError, ValueError):
    """The simulator's CA cannot do what was asked (bad state, bad CSR, unknown type...)."""


# --- ksef.auth (certificate login) and ksef.enrollment -------------------------------------------


class CertificateRejectedError(AuthenticationError):
    """KSeF refused the certificate used to log in (auth status 460: not a KSeF certificate, revoked,
    expired, wrong type) or the certificate cannot log in at all (an Offline certificate)."""


class EnrollmentError(KsefError):
    """A certificate enrollment was refused or ended without a certificate."""

    def __init__(self, message: str, code: int | None = None) -> None:
        self.code = code
        super().__init__(message)


class CertificateLimitError(EnrollmentError):
    """The per-subject limit of enrollment requests (25006) or active certificates (25007) is used up."""


# --- ksef.whitelist (MF's VAT taxpayer list, "Wykaz podatników VAT") -------------------------------


class WhiteListError(KsefError):
    """The VAT taxpayer list could not answer the question; ``kind`` says why (for the caller's text).

    ``code`` is MF's error code (``WL-115``...) when the list itself answered, ``http_status`` its HTTP
    status (0 when nothing was sent or nothing came back). Never raised for "not on the list":
    that is an answer, not an error.
    """

    kind = "error"

    def __init__(self, message: str, *, code: str | None = None, http_status: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.http_status = http_status


class WhiteListInvalidNipError(WhiteListError, KsefValidationError):
    """The NIP is malformed or its checksum is wrong (checked locally, or MF's WL-112..115)."""

    kind = "invalid_nip"


class WhiteListInvalidAccountError(WhiteListError, KsefValidationError):
    """The account number is malformed or its checksum is wrong (locally, or MF's WL-108..111)."""

    kind = "invalid_account"


class WhiteListInvalidDateError(WhiteListError, KsefValidationError):
    """The date asked about is in the future or before the list's range (MF's WL-101..103, WL-118)."""

    kind = "invalid_date"


class WhiteListDailyLimitError(WhiteListError):
    """The day's request limit is used up (MF's WL-191, or our own count): no request until midnight."""

    kind = "daily_limit"


class WhiteListServerError(WhiteListError):
    """MF answered with a server error, a database update in progress, or an unreadable answer."""

    kind = "server_error"


class WhiteListTimeoutError(WhiteListError):
    """MF did not answer in time."""

    kind = "timeout"


class WhiteListUnavailableError(WhiteListError):
    """MF's server could not be reached at all (connection refused, DNS, TLS)."""

    kind = "unavailable"
