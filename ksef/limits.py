"""Published KSeF API rate limits (DIGEST section 8, docs limity-api.md as of 2026-05-07).

Shared by the client (to pace itself) and the simulator (to enforce the same figures).
"""

from __future__ import annotations

from dataclasses import dataclass


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


PUBLISHED_LIMITS: dict[str, Limit] = {
    "invoiceMetadata": Limit(8, 16, 20),
    "invoiceExport": Limit(8, 16, 20),
    "invoiceExportStatus": Limit(10, 60, 600),
    "invoiceDownload": Limit(8, 16, 64),
    "onlineSession": Limit(10, 30, 120),
    "invoiceSend": Limit(10, 30, 180),
    "batchSession": Limit(10, 20, 60),
    "invoiceStatus": Limit(30, 120, 1200),
    "sessionList": Limit(5, 10, 60),
    "sessionInvoiceList": Limit(10, 20, 200),
    "sessionMisc": Limit(10, 120, 1200),
    "other": Limit(10, 30, 120),
    "public": Limit(60, None, None),
}


def endpoint_group(method: str, path: str) -> str:
    """The rate-limit group of an API call; ``path`` is relative to ``/v2`` (e.g. ``/sessions/online``)."""
    method = method.upper()
    p = path.split("?", 1)[0].rstrip("/")
    if p.startswith("/v2/"):
        p = p[3:]
    parts = [s for s in p.split("/") if s]
    if not parts:
        return "other"
    if parts[0] == "auth" and (
        (method == "POST" and len(parts) >= 2 and parts[1] in {"challenge", "ksef-token", "xades-signature"})
        or (len(parts) == 3 and parts[1] == "token" and parts[2] in {"redeem", "refresh"})
        or (method == "GET" and len(parts) == 2 and parts[1] != "sessions")
    ):
        return "public"
    if parts[:2] == ["security", "public-key-certificates"]:
        return "public"
    if parts[0] == "invoices":
        if parts[1:3] == ["query", "metadata"]:
            return "invoiceMetadata"
        if parts[1:2] == ["exports"]:
            return "invoiceExport" if method == "POST" and len(parts) == 2 else "invoiceExportStatus"
        if parts[1:2] == ["ksef"]:
            return "invoiceDownload"
    if parts[0] == "sessions":
        if len(parts) == 1:
            return "sessionList"
        if parts[1] == "online":
            if len(parts) == 2 or (len(parts) == 4 and parts[3] == "close"):
                return "onlineSession"
            if len(parts) == 4 and parts[3] == "invoices":
                return "invoiceSend"
        if parts[1] == "batch":
            return "batchSession"
        # /sessions/{ref}/...
        rest = parts[2:]
        if rest and rest[0] == "invoices":
            if len(rest) == 2 and rest[1] != "failed":
                return "invoiceStatus"
            if len(rest) == 1 or rest == ["invoices", "failed"]:
                return "sessionInvoiceList"
        return "sessionMisc"
    return "other"
