"""Client of MF's VAT taxpayer list API ("Wykaz podatników VAT", the "white list"), ``wl-api.mf.gov.pl``.

Two calls (see ``docs/payments.md`` for the sources):

* ``search_nip`` — ``GET /api/search/nip/{nip}?date=YYYY-MM-DD``: name, addresses, VAT status and
  accounts of a taxpayer, or ``subject: null`` when the NIP is not on the list;
* ``check_account`` — ``GET /api/check/nip/{nip}/bank-account/{nrb}?date=YYYY-MM-DD``: ``TAK``/``NIE``,
  is the account assigned to an active VAT taxpayer; its ``requestId`` is the proof a payer keeps.

MF limits requests per client IP and day (over the limit the IP is blocked until midnight, for every
user of the bot at once). The client counts its own requests against :class:`WhiteListLimits`, stops
for the day on MF's ``WL-191``, and keeps every answer for the rest of the day in a small injectable
cache, so one NIP / account asked twice on one day costs one request.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Final, Protocol

import httpx

from ksef.banking import normalize_account
from ksef.errors import (
    BankAccountError,
    WhiteListDailyLimitError,
    WhiteListError,
    WhiteListInvalidAccountError,
    WhiteListInvalidDateError,
    WhiteListInvalidNipError,
    WhiteListServerError,
    WhiteListTimeoutError,
    WhiteListUnavailableError,
)
from ksef.identifiers import nip_is_valid, normalize_nip
from ksef.offline import today_in_poland
from ksef.timezone import WARSAW

log = logging.getLogger(__name__)

PRODUCTION_URL: Final = "https://wl-api.mf.gov.pl"
TEST_URL: Final = "https://wl-test.mf.gov.pl"
SERVICE: Final = "Wykaz podatników VAT (biała lista)"

SEARCH: Final = "search"
CHECK: Final = "check"

# MF's error codes (the API documentation's table) grouped by what the caller can do about them.
_NIP_CODES = frozenset({"WL-112", "WL-113", "WL-114", "WL-115"})
_ACCOUNT_CODES = frozenset({"WL-108", "WL-109", "WL-110", "WL-111"})
_DATE_CODES = frozenset({"WL-101", "WL-102", "WL-103", "WL-118"})
_LIMIT_CODE = "WL-191"
# requestDateTime comes as "dd-MM-yyyy HH:mm:ss", Polish time.
_REQUEST_TIME_RE = re.compile(r"^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$")


def whitelist_url(ksef_env: str) -> str:
    """The white-list base URL that goes with a KSeF environment (``test``, ``demo``, ``prod`` or a URL).

    MF's environments pair with MF's list (its test instance for ``test`` and ``demo``, where
    integrations are meant to be tried); a simulator's URL (``http://host:port[/v2]``) with the
    simulator's own ``/wl`` route.
    """
    key = ksef_env.strip().lower()
    if key == "prod":
        return PRODUCTION_URL
    if key in ("test", "demo"):
        return TEST_URL
    if not key.startswith(("http://", "https://")):
        raise ValueError(f"unknown KSeF environment {ksef_env!r}: use test, demo, prod or a URL")
    root = ksef_env.strip().rstrip("/")
    return (root[: -len("/v2")] if root.endswith("/v2") else root) + "/wl"


class VatStatus(StrEnum):
    """``statusVat`` of a subject on the list."""

    ACTIVE = "Czynny"
    EXEMPT = "Zwolniony"
    UNREGISTERED = "Niezarejestrowany"


@dataclass(frozen=True)
class WhiteListLimits:
    """Daily request limits per client IP.

    The figures published for 2025 onwards: ``search`` 100 requests a day with at most 30 subjects in
    one request, ``check`` 5000 a day (sources in ``docs/payments.md``; MF's own page was not
    available to confirm them, so they are configuration, not constants).
    """

    search_per_day: int = 100
    check_per_day: int = 5000
    subjects_per_search: int = 30

    def per_day(self, method: str) -> int:
        """The daily limit of ``search`` or ``check``."""
        return self.search_per_day if method == SEARCH else self.check_per_day


@dataclass(frozen=True)
class WhiteListSubject:
    """One taxpayer as the list shows it (``result.subject``)."""

    nip: str
    name: str
    status_vat: str
    residence_address: str | None
    working_address: str | None
    account_numbers: tuple[str, ...]
    regon: str | None = None
    krs: str | None = None
    has_virtual_accounts: bool = False
    registration_legal_date: date | None = None
    removal_date: date | None = None
    restoration_date: date | None = None

    @property
    def status(self) -> VatStatus | None:
        """The VAT status, or None for a value this client does not know (kept raw in ``status_vat``)."""
        try:
            return VatStatus(self.status_vat)
        except ValueError:
            return None

    @property
    def address(self) -> str | None:
        """The address to print on an invoice: the registered seat, else the place of business."""
        return self.residence_address or self.working_address

    def has_account(self, account: str) -> bool:
        """True when ``account`` (NRB or PL IBAN) is among the accounts the list shows for this subject."""
        try:
            nrb = normalize_account(account)
        except BankAccountError:
            return False
        return nrb in self.account_numbers


@dataclass(frozen=True)
class SearchResult:
    """The answer of ``search_nip``: the subject, or ``None`` when the NIP is not on the list."""

    nip: str
    date: date
    subject: WhiteListSubject | None
    request_id: str
    request_date_time: str
    from_cache: bool = False

    @property
    def found(self) -> bool:
        """True when the NIP is on the list."""
        return self.subject is not None

    @property
    def requested_at(self) -> datetime | None:
        """``request_date_time`` as an aware datetime (Polish time), None if MF changed its format."""
        return _parse_request_time(self.request_date_time)


@dataclass(frozen=True)
class AccountCheck:
    """The answer of ``check_account``: ``assigned`` is MF's ``TAK``; ``request_id`` is the proof to keep."""

    nip: str
    account: str
    date: date
    assigned: bool
    request_id: str
    request_date_time: str
    from_cache: bool = False

    @property
    def requested_at(self) -> datetime | None:
        """``request_date_time`` as an aware datetime (Polish time), None if MF changed its format."""
        return _parse_request_time(self.request_date_time)


class WhiteListCache(Protocol):
    """Where answers of the day are kept (memory by default; the bot may keep them in its database).

    ``today`` is the Polish date of the moment of asking: an answer fetched on another day is never
    returned, so the cache never holds a day's answer into the next day.
    """

    async def get(self, key: str, today: date) -> str | None:
        """The raw JSON answer stored under ``key`` on ``today``, or None."""
        ...

    async def put(self, key: str, today: date, answer: str) -> None:
        """Keep the raw JSON answer under ``key`` for the rest of ``today``."""
        ...


class MemoryWhiteListCache:
    """The default :class:`WhiteListCache`: today's answers in memory, at most ``max_entries`` of them."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._day: date | None = None
        self._answers: OrderedDict[str, str] = OrderedDict()

    async def get(self, key: str, today: date) -> str | None:
        """Today's answer under ``key``, or None."""
        if today != self._day:
            return None
        answer = self._answers.get(key)
        if answer is not None:
            self._answers.move_to_end(key)
        return answer

    async def put(self, key: str, today: date, answer: str) -> None:
        """Keep ``answer`` for today; a new day starts with an empty cache."""
        if today != self._day:
            self._day = today
            self._answers.clear()
        self._answers[key] = answer
        self._answers.move_to_end(key)
        while len(self._answers) > self.max_entries:
            self._answers.popitem(last=False)


class RequestBudget(Protocol):
    """Counts requests per method and day against the daily limits (shared by every caller of one IP)."""

    async def take(self, method: str, today: date, limit: int) -> bool:
        """Count one request of ``method`` on ``today``; False (nothing counted) when the limit is reached."""
        ...

    async def exhaust(self, method: str, today: date) -> None:
        """Mark ``method`` used up for ``today`` (MF said so with WL-191)."""
        ...


class MemoryRequestBudget:
    """The default :class:`RequestBudget`: counters in memory, reset when the Polish day changes."""

    def __init__(self) -> None:
        self._day: date | None = None
        self._used: dict[str, int] = {}
        self._exhausted: set[str] = set()

    def _roll(self, today: date) -> None:
        if today != self._day:
            self._day = today
            self._used.clear()
            self._exhausted.clear()

    async def take(self, method: str, today: date, limit: int) -> bool:
        """Count one request unless the day's ``limit`` is reached or MF already refused."""
        self._roll(today)
        if method in self._exhausted or self._used.get(method, 0) >= limit:
            return False
        self._used[method] = self._used.get(method, 0) + 1
        return True

    async def exhaust(self, method: str, today: date) -> None:
        """No more ``method`` requests today."""
        self._roll(today)
        self._exhausted.add(method)

    def used(self, method: str) -> int:
        """Requests of ``method`` counted today."""
        return self._used.get(method, 0)


class WhiteListClient:
    """``WhiteListClient(base_url)``; ``await search_nip(nip)``, ``await check_account(nip, account)``.

    ``base_url`` is MF's production API by default (:data:`TEST_URL` for MF's test instance, or a
    simulator's ``<root>/wl``). ``today`` gives the Polish date (inject the harness clock in tests).
    """

    def __init__(self, base_url: str = PRODUCTION_URL, *, http: httpx.AsyncClient | None = None,
                 timeout: float = 10.0, limits: WhiteListLimits | None = None,
                 cache: WhiteListCache | None = None, budget: RequestBudget | None = None,
                 today: Callable[[], date] = today_in_poland) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limits = limits or WhiteListLimits()
        self.cache: WhiteListCache = cache if cache is not None else MemoryWhiteListCache()
        self.budget: RequestBudget = budget if budget is not None else MemoryRequestBudget()
        self._today = today
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        # One request per key at a time: a second identical question waits for the first answer.
        self._inflight: dict[str, asyncio.Future[str]] = {}

    async def __aenter__(self) -> WhiteListClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_http:
            await self._http.aclose()

    # --- the two calls -------------------------------------------------------------------------------
    async def search_nip(self, nip: str, date: date | None = None) -> SearchResult:
        """Who ``nip`` is on the list on ``date`` (today by default); ``subject`` is None if not listed."""
        clean = _valid_nip(nip)
        day = self._day(date)
        path = f"/api/search/nip/{clean}"
        answer, cached = await self._answer(SEARCH, f"search/{clean}/{day.isoformat()}", path, day)
        return _parse_search(answer, clean, day, cached)

    async def check_account(self, nip: str, account: str, date: date | None = None) -> AccountCheck:
        """Is ``account`` (NRB or PL IBAN) assigned to the active VAT taxpayer ``nip`` on ``date``?"""
        clean = _valid_nip(nip)
        try:
            nrb = normalize_account(account)
        except BankAccountError as exc:
            raise WhiteListInvalidAccountError(str(exc)) from exc
        day = self._day(date)
        path = f"/api/check/nip/{clean}/bank-account/{nrb}"
        answer, cached = await self._answer(CHECK, f"check/{clean}/{nrb}/{day.isoformat()}", path, day)
        return _parse_check(answer, clean, nrb, day, cached)

    # --- plumbing ------------------------------------------------------------------------------------
    def _day(self, asked: date | None) -> date:
        today = self._today()
        day = asked or today
        if day > today:
            raise WhiteListInvalidDateError(
                f"Wykaz podatników VAT nie zna przyszłości: podaj datę nie późniejszą niż {today:%d.%m.%Y}.")
        return day

    async def _answer(self, method: str, key: str, path: str, day: date) -> tuple[str, bool]:
        """The raw JSON answer for ``key``: from today's cache, a request already on its way, or MF."""
        today = self._today()
        cached = await self.cache.get(key, today)
        if cached is not None:
            return cached, True
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending), False
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            answer = await self._fetch(method, path, day, today)
            await self.cache.put(key, today, answer)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here, so an error nobody else awaited is not logged as lost
            raise
        finally:
            del self._inflight[key]
        future.set_result(answer)
        return answer, False

    async def _fetch(self, method: str, path: str, day: date, today: date) -> str:
        if not await self.budget.take(method, today, self.limits.per_day(method)):
            raise WhiteListDailyLimitError(_limit_message(method, ours=True))
        try:
            response = await self._http.get(self.base_url + path, params={"date": day.isoformat()},
                                            headers={"Accept": "application/json"}, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise WhiteListTimeoutError(
                f"{SERVICE} nie odpowiedział w ciągu {self.timeout:g} s — spróbuj za chwilę.") from exc
        except httpx.TransportError as exc:
            raise WhiteListUnavailableError(
                f"Nie można połączyć się z serwisem {SERVICE} ({type(exc).__name__}) — spróbuj później.") \
                from exc
        if response.status_code == 200:
            return response.text
        error = _error(response, method)
        if isinstance(error, WhiteListDailyLimitError):
            # MF blocks the IP until midnight: asking again today only prolongs the block.
            await self.budget.exhaust(method, today)
        log.warning("white list %s %s: HTTP %s %s", method, path, response.status_code, error.code or "")
        raise error


def _valid_nip(nip: str) -> str:
    clean = normalize_nip(nip)
    if not nip_is_valid(clean):
        raise WhiteListInvalidNipError(
            f"NIP „{nip.strip()}” jest nieprawidłowy — NIP ma 10 cyfr i poprawną cyfrę kontrolną.")
    return clean


def _limit_message(method: str, *, ours: bool) -> str:
    what = "sprawdzania rachunków" if method == CHECK else "wyszukiwania podatników"
    why = "wykorzystany" if ours else "wyczerpany (MF blokuje dalsze zapytania do północy)"
    return f"Dzienny limit {what} w serwisie {SERVICE} jest {why}; spróbuj jutro."


def _error(response: httpx.Response, method: str) -> WhiteListError:
    """Map MF's error answer (``{"code": "WL-1xx", "message": ...}``) to a typed error."""
    status = response.status_code
    code: str | None = None
    message = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        # The documented shape is flat; some generated clients model it nested under "exception".
        nested = body.get("exception")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else body
        raw_code, raw_message = inner.get("code"), inner.get("message")
        code = raw_code if isinstance(raw_code, str) else None
        message = raw_message if isinstance(raw_message, str) else ""
    detail = f" ({code}: {message})" if code else f" (HTTP {status})"
    if code in _NIP_CODES:
        return WhiteListInvalidNipError(f"{SERVICE} nie przyjmuje tego NIP-u{detail}.", code=code,
                                        http_status=status)
    if code in _ACCOUNT_CODES:
        return WhiteListInvalidAccountError(f"{SERVICE} nie przyjmuje tego numeru rachunku{detail}.",
                                            code=code, http_status=status)
    if code in _DATE_CODES:
        return WhiteListInvalidDateError(f"{SERVICE} nie przyjmuje tej daty{detail}.", code=code,
                                         http_status=status)
    if code == _LIMIT_CODE or status == 429:
        return WhiteListDailyLimitError(_limit_message(method, ours=False), code=code, http_status=status)
    return WhiteListServerError(f"{SERVICE} odpowiedział błędem{detail} — spróbuj później.", code=code,
                                http_status=status)


def _load_result(answer: str) -> dict[str, Any]:
    try:
        body = json.loads(answer)
    except ValueError as exc:
        raise WhiteListServerError(f"{SERVICE}: odpowiedź nie jest JSON-em.", http_status=200) from exc
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("requestId"), str):
        raise WhiteListServerError(f"{SERVICE}: odpowiedź bez pola result.requestId.", http_status=200)
    return result


def _parse_search(answer: str, nip: str, day: date, cached: bool) -> SearchResult:
    result = _load_result(answer)
    raw = result.get("subject")
    subject = _subject(raw) if raw is not None else None
    return SearchResult(nip, day, subject, result["requestId"], str(result.get("requestDateTime") or ""),
                        from_cache=cached)


def _parse_check(answer: str, nip: str, nrb: str, day: date, cached: bool) -> AccountCheck:
    result = _load_result(answer)
    assigned = result.get("accountAssigned")
    if assigned not in ("TAK", "NIE"):
        raise WhiteListServerError(f"{SERVICE}: accountAssigned = {assigned!r}, oczekiwano TAK albo NIE.",
                                   http_status=200)
    return AccountCheck(nip, nrb, day, assigned == "TAK", result["requestId"],
                        str(result.get("requestDateTime") or ""), from_cache=cached)


def _subject(raw: object) -> WhiteListSubject:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("name", "nip")):
        raise WhiteListServerError(f"{SERVICE}: podmiot bez nazwy albo NIP-u.", http_status=200)
    accounts = raw.get("accountNumbers") or []
    return WhiteListSubject(
        nip=raw["nip"],
        name=raw["name"],
        status_vat=str(raw.get("statusVat") or ""),
        residence_address=_text(raw.get("residenceAddress")),
        working_address=_text(raw.get("workingAddress")),
        account_numbers=tuple(str(a) for a in accounts if isinstance(a, str)),
        regon=_text(raw.get("regon")),
        krs=_text(raw.get("krs")),
        has_virtual_accounts=raw.get("hasVirtualAccounts") is True,
        registration_legal_date=_iso_date(raw.get("registrationLegalDate")),
        removal_date=_iso_date(raw.get("removalDate")),
        restoration_date=_iso_date(raw.get("restorationDate")),
    )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _iso_date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _parse_request_time(text: str) -> datetime | None:
    match = _REQUEST_TIME_RE.match(text)
    if not match:
        return None
    d, m, y, hh, mm, ss = (int(g) for g in match.groups())
    try:
        return datetime(y, m, d, hh, mm, ss, tzinfo=WARSAW)
    except ValueError:
        return None
