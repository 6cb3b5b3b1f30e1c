"""NBP average exchange rates (table A) for invoices in a foreign currency (art. 31a ustawy o VAT).

The tax base and the VAT of a foreign-currency invoice are converted to złoty at the NBP average
rate of the last working day BEFORE the tax point (or before the issue date, when the invoice is
issued earlier; :func:`ksef.fa3.vatrules.rate_lookup_date` gives the date). NBP's public Web API
(https://api.nbp.pl) answers one currency and day at
``GET /api/exchangerates/rates/A/{code}/{YYYY-MM-DD}/?format=json``::

    {"table": "A", "currency": "euro", "code": "EUR",
     "rates": [{"no": "236/A/NBP/2026", "effectiveDate": "2026-12-04", "mid": 4.2345}]}

and ``404`` with the text ``404 NotFound - Not Found - Brak danych`` for a day without a table
(weekends, holidays). :meth:`NbpClient.rate_before` steps back a day at a time, at most
``max_days_back`` calendar days (Saturdays and Sundays are skipped without asking: NBP never
publishes then). A rate that cannot be had is an error, never a guess.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from types import TracebackType

import httpx

from ksef.errors import KsefError, KsefValidationError
from ksef.offline import today_in_poland

__all__ = [
    "NBP_API",
    "TABLE_A_CURRENCIES",
    "NbpClient",
    "NbpError",
    "NbpNoRateError",
    "NbpRate",
    "NbpResponseError",
    "NbpServerError",
    "NbpTimeoutError",
    "NbpUnavailableError",
    "NbpUnknownCurrencyError",
    "nbp_url",
]

NBP_API = "https://api.nbp.pl"

#: Currencies of NBP's table A (average rates published every working day). BGN is left out: it was
#: in table A until Bulgaria adopted the euro on 1 January 2026 (UNCONFIRMED that NBP dropped it;
#: a missing currency gives a clear error, an extra one would send the user on a failing lookup).
TABLE_A_CURRENCIES: frozenset[str] = frozenset({
    "AUD", "BRL", "CAD", "CHF", "CLP", "CNY", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "IDR", "ILS",
    "INR", "ISK", "JPY", "KRW", "MXN", "MYR", "NOK", "NZD", "PHP", "RON", "SEK", "SGD", "THB", "TRY",
    "UAH", "USD", "XDR", "ZAR",
})

_MAX_RATE_DECIMALS = 6  # FA(3) KursWaluty (TIlosci)


def nbp_url(ksef_env: str) -> str:
    """The NBP API base URL that goes with a KSeF environment (``test``, ``demo``, ``prod`` or a URL).

    MF's environments use NBP's real API (its rates are public and the same for every environment);
    a simulator's URL (``http://host:port[/v2]``) uses the simulator's own ``/nbp`` route.
    """
    key = ksef_env.strip().lower()
    if key in ("test", "demo", "prod"):
        return NBP_API
    if not key.startswith(("http://", "https://")):
        raise ValueError(f"unknown KSeF environment {ksef_env!r}: use test, demo, prod or a URL")
    root = ksef_env.strip().rstrip("/")
    return (root[: -len("/v2")] if root.endswith("/v2") else root) + "/nbp"


class NbpError(KsefError):
    """Base of the NBP errors; ``str()`` is a Polish sentence for the user."""


class NbpUnknownCurrencyError(NbpError, KsefValidationError):
    """The currency is not in NBP's table A."""


class NbpNoRateError(NbpError):
    """No table in the days looked at (or today's table is not published yet)."""


class NbpUnavailableError(NbpError):
    """NBP could not be asked: transport error, timeout or a 5xx answer."""


class NbpServerError(NbpUnavailableError):
    """NBP answered 5xx (``status`` holds the code)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NbpTimeoutError(NbpUnavailableError):
    """NBP did not answer in time."""


class NbpResponseError(NbpError):
    """NBP answered something that is not the documented JSON (or an unexpected status)."""


@dataclass(frozen=True)
class NbpRate:
    """One average rate: PLN per 1 unit of ``currency`` from table ``table`` of ``effective_date``."""

    currency: str
    rate: Decimal
    table: str  # e.g. "236/A/NBP/2026"
    effective_date: date


class NbpClient:
    """``NbpClient(base_url)``; ``await rate_before("EUR", date)``. Past answers are cached.

    ``base_url`` is ``https://api.nbp.pl`` or the simulator's ``<sim>/nbp``. ``retries`` repeats a
    request after a transport error, timeout or 5xx; ``today`` (a callable) is the date in Poland.
    """

    def __init__(self, base_url: str = NBP_API, *, http: httpx.AsyncClient | None = None,
                 timeout: float = 10.0, retries: int = 1, max_days_back: int = 10,
                 today: Callable[[], date] = today_in_poland) -> None:
        self._base = base_url.rstrip("/")
        self._own = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout
        self._retries = retries
        self._max_days_back = max_days_back
        self._today = today
        self._cache: dict[tuple[str, date], NbpRate | None] = {}

    async def __aenter__(self) -> NbpClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own:
            await self._http.aclose()

    async def rate_before(self, currency: str, day: date) -> NbpRate:
        """The table A rate of the last working day strictly before ``day`` (art. 31a).

        Raises :class:`NbpNoRateError` when no table is found within ``max_days_back`` days, and
        the other :class:`NbpError` subclasses when NBP cannot be asked or answers oddly.
        """
        code = _check_currency(currency)
        today = self._today()
        for back in range(1, self._max_days_back + 1):
            candidate = day - timedelta(days=back)
            if candidate.weekday() >= 5:
                continue
            if candidate > today:
                continue  # no table exists for a future day
            found = await self.rate_on(code, candidate)
            if found is not None:
                return found
            if candidate == today:
                # Today's table appears around noon; stepping back would give yesterday's rate,
                # which is not the rate the law names.
                raise NbpNoRateError(f"NBP nie opublikował jeszcze dzisiejszej tabeli kursów {code} "
                                     "(publikuje ją w dni robocze około południa). Spróbuj ponownie później.")
        raise NbpNoRateError(f"NBP nie ma tabeli kursów {code} z {self._max_days_back} dni przed "
                             f"{day.strftime('%d.%m.%Y')}. Spróbuj ponownie później albo sprawdź datę.")

    async def rate_on(self, currency: str, day: date) -> NbpRate | None:
        """The table A rate published for exactly ``day``, or None when there is no table that day."""
        code = _check_currency(currency)
        key = (code, day)
        if key in self._cache:
            return self._cache[key]
        response = await self._get(f"/api/exchangerates/rates/A/{code}/{day.isoformat()}/", code)
        if response.status_code == 404:
            result = None
        elif response.status_code == 200:
            result = _parse(response, code, day)
        else:
            message = (f"NBP odpowiedział nieoczekiwanie (HTTP {response.status_code}) na pytanie o kurs "
                       f"{code} z {day.strftime('%d.%m.%Y')}.")
            raise NbpResponseError(message)
        if result is not None or day < self._today():
            self._cache[key] = result  # past days never change; today's 404 may become a table
        return result

    async def _get(self, path: str, code: str) -> httpx.Response:
        attempts = self._retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._http.get(self._base + path, params={"format": "json"},
                                                 headers={"Accept": "application/json"},
                                                 timeout=self._timeout)
            except httpx.TimeoutException:
                if last:
                    message = (f"NBP nie odpowiedział w ciągu {self._timeout:g} s na pytanie o kurs {code}. "
                               "Spróbuj ponownie za chwilę.")
                    raise NbpTimeoutError(message) from None
                continue
            except httpx.HTTPError as exc:
                if last:
                    message = (f"Nie udało się połączyć z NBP, aby pobrać kurs {code} "
                               f"({type(exc).__name__}). Spróbuj ponownie za chwilę.")
                    raise NbpUnavailableError(message) from None
                continue
            if response.status_code >= 500:
                if last:
                    raise NbpServerError(f"Serwis kursów NBP ma awarię (HTTP {response.status_code}); kursu "
                                         f"{code} nie pobrano. Spróbuj ponownie za kilka minut.",
                                         response.status_code)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if code not in TABLE_A_CURRENCIES:
        raise NbpUnknownCurrencyError(
            f"NBP nie publikuje średniego kursu waluty „{currency}” w tabeli A, więc nie można jej "
            "przeliczyć według art. 31a ustawy o VAT. Wystaw fakturę w PLN albo w walucie z tabeli A "
            "(np. EUR, USD).")
    return code


def _bad(code: str, what: str) -> NbpResponseError:
    return NbpResponseError(f"NBP przysłał niezrozumiałą odpowiedź o kurs {code} ({what}); kursu nie użyto.")


def _parse(response: httpx.Response, code: str, day: date) -> NbpRate:
    try:
        # Decimal, not float: the rate goes into the invoice exactly as published.
        body = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        raise _bad(code, "to nie jest JSON") from None
    if not isinstance(body, dict) or body.get("table") != "A" or body.get("code") != code:
        raise _bad(code, "brak tabeli A tej waluty")
    rates = body.get("rates")
    if not isinstance(rates, list) or len(rates) != 1 or not isinstance(rates[0], dict):
        raise _bad(code, "brak kursu")
    entry = rates[0]
    table, effective, mid = entry.get("no"), entry.get("effectiveDate"), entry.get("mid")
    if not isinstance(table, str) or not isinstance(effective, str):
        raise _bad(code, "brak numeru lub daty tabeli")
    try:
        effective_date = date.fromisoformat(effective)
    except ValueError:
        raise _bad(code, f"data „{effective}”") from None
    if effective_date != day:
        raise _bad(code, f"tabela z {effective} zamiast z {day.isoformat()}")
    if isinstance(mid, bool) or not isinstance(mid, Decimal | int) or mid <= 0:
        raise _bad(code, f"kurs „{mid}”")
    rate = Decimal(mid)
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > _MAX_RATE_DECIMALS:
        raise _bad(code, f"kurs {rate} ma więcej niż {_MAX_RATE_DECIMALS} miejsc po przecinku")
    return NbpRate(code, rate, table, effective_date)
