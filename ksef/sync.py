"""Gap-free "new received invoices since cursor" over the metadata query (docs/ksef.md#receiving-invoices).

Protocol: ``dateType=PermanentStorage`` with ``restrictToPermanentStorageHwmDate=true``, ascending,
``pageOffset`` paging; on ``isTruncated`` the next query starts at the last record's
``permanentStorageDate`` (pageOffset 0); the next cursor is ``permanentStorageHwmDate`` (KSeF
guarantees nothing new will appear at or below it). Boundaries are inclusive, so the cursor also
carries the KSeF numbers already seen at exactly the HWM instant and every call de-duplicates.
Cursors older than the query range (100 days counted in UTC, :mod:`ksef.daterange`) are walked
forward in explicit UTC windows that fit it.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ksef.auth import AuthorizedApi
from ksef.daterange import MAX_QUERY_RANGE, format_utc, to_utc
from ksef.errors import KsefApiError, KsefError, KsefValidationError, RateLimitedError
from ksef.models import InvoiceMetadata, ReceivedBatch, format_datetime, now_utc, parse_datetime

MAX_WINDOW = MAX_QUERY_RANGE
# An open-ended query ends at KSeF's "now": bound it explicitly well before the limit, so that a
# client clock behind KSeF's cannot make KSeF see a range a few seconds over 100 days.
OPEN_END_MARGIN = timedelta(hours=1)
DEFAULT_LOOKBACK = timedelta(days=1)   # first sync without a cursor: no flood of history
PAGE_SIZE = 250                        # the maximum the API allows
FROM_BEYOND_HWM = 21183                # "from" later than the HWM: nothing stored after it yet
_CURSOR_PREFIX = "k1."
_HAS_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$", re.IGNORECASE)


@dataclass(frozen=True)
class Cursor:
    """Decoded cursor: the HWM (as KSeF wrote it) and KSeF numbers stored at exactly that instant."""

    hwm: str
    seen: frozenset[str]

    def encode(self) -> str:
        """Opaque, URL-safe text for storing in a database."""
        data = json.dumps({"hwm": self.hwm, "seen": sorted(self.seen)}, separators=(",", ":")).encode()
        return _CURSOR_PREFIX + base64.urlsafe_b64encode(data).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Inverse of :meth:`encode`; a bad cursor is a clear local error, never 'start over'."""
        if not text.startswith(_CURSOR_PREFIX):
            raise KsefValidationError("nieznany format kursora synchronizacji")
        raw = text[len(_CURSOR_PREFIX):]
        try:
            data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
            hwm, seen = str(data["hwm"]), frozenset(str(s) for s in data["seen"])
            if parse_datetime(hwm) is None:
                raise ValueError("hwm")
        except (ValueError, KeyError, TypeError) as exc:
            raise KsefValidationError("uszkodzony kursor synchronizacji") from exc
        return cls(hwm, seen)


def cursor_at(moment: datetime) -> str:
    """A cursor that starts at ``moment`` (e.g. the time a company was connected)."""
    return Cursor(format_datetime(moment), frozenset()).encode()


def _with_offset(raw: str) -> str:
    # Offset-less dates are read differently by KSeF (CIRFMF/ksef-api #709): always send one.
    if _HAS_OFFSET.search(raw):
        return raw
    parsed = parse_datetime(raw)
    if parsed is None:
        raise KsefError(f"niepoprawna data w odpowiedzi KSeF: {raw!r}")
    return format_datetime(parsed)


def _dt(raw: str) -> datetime:
    parsed = parse_datetime(raw)
    if parsed is None:
        raise KsefError(f"niepoprawna data: {raw!r}")
    return parsed


class ReceivedSync:
    """Runs the metadata-query protocol for one client."""

    def __init__(self, api: AuthorizedApi, *, page_size: int = PAGE_SIZE) -> None:
        self._api = api
        self.page_size = page_size

    def _filters(self, subject_type: str, from_raw: str, to_raw: str | None, *,
                 restrict: bool = True) -> dict[str, Any]:
        return {"subjectType": subject_type,
                "dateRange": {"dateType": "PermanentStorage", "from": from_raw, "to": to_raw,
                              "restrictToPermanentStorageHwmDate": restrict}}

    async def received_since(self, cursor: str | None, *, subject_type: str = "Subject2",
                             start: datetime | None = None, up_to_now: bool = False) -> ReceivedBatch:
        """Every invoice stored since ``cursor`` exactly once, and the cursor to use next time.

        ``up_to_now`` (a user's "check now"; the docs' strategy for a user-triggered refresh): the last
        query is not clamped to the HWM, so invoices KSeF stored a moment ago come too. The cursor still
        stops at the HWM (what lies above it may still grow), so those invoices come again in the next
        call: the caller de-duplicates them by KSeF number, as it must anyway."""
        now = now_utc()
        if cursor:
            state = Cursor.decode(cursor)
        else:
            begin = start or now - DEFAULT_LOOKBACK
            state = Cursor(format_datetime(begin), frozenset())
        seen: set[str] = set(state.seen)
        found: list[InvoiceMetadata] = []
        from_raw = _with_offset(state.hwm)
        safe = from_raw  # everything stored up to here has been returned (see the 429 branch)
        while True:
            from_dt = to_utc(_dt(from_raw))
            bounded = now - from_dt > MAX_WINDOW - OPEN_END_MARGIN
            to_raw = format_utc(from_dt + MAX_WINDOW) if bounded else None
            try:
                hwm = await self._window(subject_type, from_raw, to_raw, seen, found,
                                         restrict=bounded or not up_to_now)
            except RateLimitedError:
                # A long backlog can need more queries than the hourly limit allows. Hand back what
                # was found with a cursor at the last record returned, so the next call continues
                # instead of redoing the same queries forever. Not when records above the HWM may be
                # among them (up_to_now): a cursor there could skip invoices stored later below them.
                if up_to_now or (not found and safe == _with_offset(state.hwm)):
                    raise
                last = found[-1].permanent_storage_raw if found else ""
                point = _with_offset(last) if last and _dt(last) > _dt(safe) else safe
                return self._batch(state, found, point, complete=False)
            if not bounded:
                final = hwm or from_raw
                break
            assert to_raw is not None
            if hwm is not None and _dt(hwm) > _dt(to_raw):
                # Only [from, to] was queried, whatever HWM KSeF reports (for older periods the
                # docs say it equals the query's bound); continue from the window's end.
                hwm = to_raw
            if hwm is None or _dt(hwm) <= from_dt:
                # KSeF's HWM is not past this window's start: nothing more is complete yet. Never
                # move the cursor beyond the HWM, or late-stored invoices would be skipped.
                final = hwm or from_raw
                break
            from_raw = safe = hwm
        return self._batch(state, found, final, complete=True)

    @staticmethod
    def _batch(state: Cursor, found: list[InvoiceMetadata], point: str, *, complete: bool) -> ReceivedBatch:
        # The next query starts at `point` inclusive: remember what was already seen at that instant.
        point_dt = _dt(point)
        at_point = {inv.ksef_number for inv in found
                    if inv.permanent_storage_date is not None and inv.permanent_storage_date == point_dt}
        if _dt(state.hwm) == point_dt:
            at_point |= state.seen
        return ReceivedBatch(found, Cursor(point, frozenset(at_point)).encode(), point_dt, complete)

    async def _window(self, subject_type: str, from_raw: str, to_raw: str | None, seen: set[str],
                      found: list[InvoiceMetadata], *, restrict: bool = True) -> str | None:
        """Page through one date window (with truncation restarts); returns the last HWM KSeF gave."""
        page_offset = 0
        current_from = from_raw
        hwm: str | None = None
        while True:
            params = {"sortOrder": "Asc", "pageOffset": page_offset, "pageSize": self.page_size}
            try:
                body = await self._api.json("POST", "/invoices/query/metadata", params=params,
                                            json_body=self._filters(subject_type, current_from, to_raw,
                                                                    restrict=restrict),
                                            idempotent=True)
            except KsefApiError as exc:
                if exc.code == FROM_BEYOND_HWM and page_offset == 0:
                    return hwm  # nothing stored after current_from yet (not an error, not a gap)
                raise
            raw_hwm = body.get("permanentStorageHwmDate")
            if isinstance(raw_hwm, str) and raw_hwm:
                hwm = _with_offset(raw_hwm)
            invoices = body.get("invoices")
            if not isinstance(invoices, list):
                raise KsefError("odpowiedź zapytania o faktury bez listy 'invoices'")
            page = [InvoiceMetadata.from_json(item) for item in invoices if isinstance(item, dict)]
            for inv in page:
                if inv.ksef_number and inv.ksef_number not in seen:
                    seen.add(inv.ksef_number)
                    found.append(inv)
            if not body.get("hasMore"):
                return hwm
            if body.get("isTruncated"):
                if not page or not page[-1].permanent_storage_raw:
                    raise KsefError("obcięta odpowiedź bez daty ostatniej faktury")
                last = _with_offset(page[-1].permanent_storage_raw)
                if _dt(last) <= _dt(current_from):
                    # more than the cap stored at one instant: the documented protocol cannot advance
                    raise KsefError("ponad limit faktur z tą samą datą zapisu; nie można kontynuować")
                current_from, page_offset = last, 0
            else:
                page_offset += 1
