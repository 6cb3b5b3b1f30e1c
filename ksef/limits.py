"""KSeF API rate limits: the figures per group and which group an API call belongs to.

Figures are data: :data:`PUBLISHED_LIMITS` are the defaults as KSeF API 2.9.0 publishes them (the
``x-rate-limits`` of each operation and the example of ``GET /rate-limits``); a client replaces them
with what ``GET /rate-limits`` answers (:class:`RateLimits`). Shared by the client (to pace itself)
and the simulator (to enforce the same figures). Counting scope (docs ``limity/limity-api.md``): per
(context, client IP) for most groups; ``anonymous`` (calls without an access token) and ``global``
(every call) per client IP only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

GLOBAL = "global"          # every API call of one client IP, whatever the context
ANONYMOUS = "anonymous"    # calls made without an access token (login, public keys), per client IP
OTHER = "other"            # the default group: each endpoint has its own counter
PER_IP_GROUPS = frozenset({GLOBAL, ANONYMOUS})
NO_LIMIT = -1              # how ``GET /rate-limits`` writes "no such window"


@dataclass(frozen=True)
class Limit:
    """Maximum requests per second, per minute and per hour (``None``: no such window)."""

    per_second: int | None
    per_minute: int | None
    per_hour: int | None

    def windows(self) -> list[tuple[float, int]]:
        """(window length in seconds, max requests) for each window that applies."""
        out: list[tuple[float, int]] = []
        for length, value in ((1.0, self.per_second), (60.0, self.per_minute), (3600.0, self.per_hour)):
            if value is not None:
                out.append((length, value))
        return out

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Limit:
        """``{"perSecond", "perMinute", "perHour"}``; ``-1``, ``null`` or a missing key: no such window."""
        def value(key: str) -> int | None:
            raw = body.get(key)
            if raw is None or isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                return None
            return raw

        return cls(value("perSecond"), value("perMinute"), value("perHour"))

    def to_json(self) -> dict[str, int]:
        """The ``EffectiveApiRateLimitValues`` shape (``-1`` for a window that does not apply)."""
        return {"perSecond": NO_LIMIT if self.per_second is None else self.per_second,
                "perMinute": NO_LIMIT if self.per_minute is None else self.per_minute,
                "perHour": NO_LIMIT if self.per_hour is None else self.per_hour}

    def __str__(self) -> str:
        def show(value: int | None) -> str:
            return "-" if value is None else str(value)

        return f"{show(self.per_second)}/s {show(self.per_minute)}/min {show(self.per_hour)}/h"


# KSeF API 2.9.0 (docs limity/limity-api.md of 14.09.2026; x-rate-limits of each operation).
PUBLISHED_LIMITS: dict[str, Limit] = {
    "onlineSession": Limit(10, 30, 120),
    "onlineSessionClose": Limit(20, 60, 240),
    "batchSession": Limit(10, 20, 60),
    "batchSessionClose": Limit(20, 40, 120),
    "invoiceSend": Limit(10, 30, 180),
    "invoiceStatus": Limit(30, 120, 1200),
    "sessionList": Limit(5, 10, 60),
    "sessionInvoiceList": Limit(10, 20, 200),
    "sessionMisc": Limit(10, 120, 1200),
    "invoiceMetadata": Limit(8, 16, 20),
    "invoiceExport": Limit(8, 16, 20),
    "invoiceExportStatus": Limit(10, 60, 600),
    "invoiceDownload": Limit(8, 16, 64),
    "collectiveIdentifier": Limit(20, 120, 240),
    OTHER: Limit(10, 30, 120),
    ANONYMOUS: Limit(60, None, None),
    GLOBAL: Limit(75, None, None),
}


@dataclass(frozen=True)
class LimitChange:
    """One group whose figures differ between two :class:`RateLimits` (``None``: group absent)."""

    group: str
    old: Limit | None
    new: Limit | None


class RateLimits(Mapping[str, Limit]):
    """An immutable table of figures per group, e.g. the answer of ``GET /rate-limits``."""

    def __init__(self, groups: Mapping[str, Limit] | None = None) -> None:
        self._groups = dict(PUBLISHED_LIMITS if groups is None else groups)

    @classmethod
    def published(cls) -> RateLimits:
        """The figures KSeF API 2.9.0 publishes (used until ``GET /rate-limits`` is read)."""
        return cls(PUBLISHED_LIMITS)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> RateLimits:
        """Parse ``EffectiveApiRateLimits``; every group present is kept (unknown ones too, for later
        API versions); a group KSeF leaves out keeps no figure (not paced)."""
        return cls({str(name): Limit.from_json(values) for name, values in body.items()
                    if isinstance(values, Mapping)})

    def to_json(self) -> dict[str, dict[str, int]]:
        """The ``EffectiveApiRateLimits`` shape."""
        return {name: limit.to_json() for name, limit in self._groups.items()}

    def changes(self, new: RateLimits) -> list[LimitChange]:
        """Groups whose figures differ in ``new`` (added, removed or changed), sorted by name."""
        names = sorted(set(self._groups) | set(new._groups))
        return [LimitChange(n, self._groups.get(n), new._groups.get(n)) for n in names
                if self._groups.get(n) != new._groups.get(n)]

    def __getitem__(self, group: str) -> Limit:
        return self._groups[group]

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def __repr__(self) -> str:
        return f"RateLimits({self._groups!r})"


_ANONYMOUS_AUTH = {"challenge", "ksef-token", "xades-signature"}
_ANONYMOUS_TESTDATA = {"subject", "person", "permissions", "attachment"}


def endpoint_group(method: str, path: str) -> str:
    """The rate-limit group of an API call; ``path`` is relative to ``/v2`` (e.g. ``/sessions/online``).

    Follows the ``x-rate-limits`` and the 429 tables of KSeF API 2.9.0 (a unit test checks every
    operation of the spec against this function).
    """
    method = method.upper()
    p = path.split("?", 1)[0].rstrip("/")
    if p.startswith("/v2/"):
        p = p[3:]
    parts = [s for s in p.split("/") if s]
    if not parts:
        return OTHER
    if _anonymous(method, parts):
        return ANONYMOUS
    if parts[0] == "collective-identifiers":
        return "collectiveIdentifier"
    if parts[0] == "invoices":
        if parts[1:3] == ["query", "metadata"]:
            return "invoiceMetadata"
        if parts[1:2] == ["exports"]:
            return "invoiceExport" if method == "POST" and len(parts) == 2 else "invoiceExportStatus"
        if parts[1:2] == ["ksef"]:
            return "invoiceDownload"
    if parts[0] == "sessions":
        return _session_group(parts)
    return OTHER


def _anonymous(method: str, parts: list[str]) -> bool:
    if parts[0] == "auth":
        return ((method == "POST" and len(parts) == 2 and parts[1] in _ANONYMOUS_AUTH)
                or (len(parts) == 3 and parts[1] == "token" and parts[2] in {"redeem", "refresh"})
                or (method == "GET" and len(parts) == 2 and parts[1] != "sessions"))
    if parts[:2] in (["security", "public-key-certificates"], ["peppol", "query"]):
        return True
    return parts[0] == "testdata" and len(parts) >= 2 and parts[1] in _ANONYMOUS_TESTDATA


def _session_group(parts: list[str]) -> str:
    if len(parts) == 1:
        return "sessionList"
    if parts[1] in ("online", "batch"):
        kind = "onlineSession" if parts[1] == "online" else "batchSession"
        if len(parts) == 2:
            return kind
        if len(parts) == 4 and parts[3] == "close":
            return kind + "Close"
        if parts[1] == "online" and len(parts) == 4 and parts[3] == "invoices":
            return "invoiceSend"
        return kind
    rest = parts[2:]  # /sessions/{ref}/...
    if rest and rest[0] == "invoices":
        if len(rest) == 2 and rest[1] != "failed":
            return "invoiceStatus"
        if len(rest) == 1 or rest == ["invoices", "failed"]:
            return "sessionInvoiceList"
    return "sessionMisc"
