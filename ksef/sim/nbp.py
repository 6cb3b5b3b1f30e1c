"""NBP's exchange-rate Web API (table A) as the simulator serves it under ``/nbp``.

``GET /nbp/api/exchangerates/rates/A/{code}/{YYYY-MM-DD}/`` answers in NBP's JSON shape::

    {"table": "A", "currency": "euro", "code": "EUR",
     "rates": [{"no": "236/A/NBP/2026", "effectiveDate": "2026-12-04", "mid": 4.2345}]}

and ``404`` with NBP's plain text ``404 NotFound - Not Found - Brak danych`` on days NBP publishes
no table (Saturdays, Sundays, Polish public holidays), for future days and for currencies outside
table A; a malformed date gives ``400 BadRequest - Błędny zakres dat / Invalid date range``.
``GET /nbp/api/exchangerates/rates/A/{code}/`` gives the latest table. Only JSON is served and only
table A (the one art. 31a ustawy o VAT names).

Rates are deterministic and plausible: a base rate per currency moved by at most ±1 % per day by a
hash of the currency and the date (:func:`sim_rate`); table numbers count NBP working days from
1 January (``001/A/NBP/2026`` is the year's first table).

Admin (not NBP's): ``PUT /sim/nbp`` ``{"mode": "up"|"error500"|"timeout"|"badjson", "failures": n,
"timeoutSeconds": s}`` — with ``failures`` only the next *n* rate requests fail, then the mode goes
back to ``up``; ``timeout`` holds each answer ``timeoutSeconds`` (default 30) or until the mode is
changed. ``GET /sim/nbp`` → ``{"mode", "failures", "requests"}`` (rate requests served so far).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.nbp import TABLE_A_CURRENCIES
from ksef.offline import is_working_day
from ksef.sim.state import WARSAW, utcnow

_NOT_FOUND = "404 NotFound - Not Found - Brak danych"
_BAD_DATE = "400 BadRequest - Błędny zakres dat / Invalid date range"
_FIRST_TABLE = date(2002, 1, 2)  # the API's archive of table A starts here
_MODES = ("up", "error500", "timeout", "badjson")

# PLN per unit, roughly the level of late 2026; NBP's names of the currencies in its tables.
_BASE: dict[str, tuple[str, str]] = {
    "AUD": ("2.4100", "dolar australijski"), "BRL": ("0.6800", "real (Brazylia)"),
    "CAD": ("2.6500", "dolar kanadyjski"), "CHF": ("4.5300", "frank szwajcarski"),
    "CLP": ("0.003900", "peso chilijskie"), "CNY": ("0.5100", "yuan renminbi (Chiny)"),
    "CZK": ("0.1720", "korona czeska"), "DKK": ("0.5690", "korona duńska"), "EUR": ("4.2500", "euro"),
    "GBP": ("4.8900", "funt szterling"), "HKD": ("0.4700", "dolar Hongkongu"),
    "HUF": ("0.011000", "forint (Węgry)"), "IDR": ("0.000222", "rupia indonezyjska"),
    "ILS": ("1.1000", "nowy izraelski szekel"), "INR": ("0.042000", "rupia indyjska"),
    "ISK": ("0.029000", "korona islandzka (Islandia)"), "JPY": ("0.024500", "jen (Japonia)"),
    "KRW": ("0.002520", "won południowokoreański"), "MXN": ("0.2000", "peso meksykańskie"),
    "MYR": ("0.8700", "ringgit (Malezja)"), "NOK": ("0.3600", "korona norweska"),
    "NZD": ("2.1000", "dolar nowozelandzki"), "PHP": ("0.063000", "peso filipińskie"),
    "RON": ("0.8350", "lej rumuński"), "SEK": ("0.3850", "korona szwedzka"),
    "SGD": ("2.8000", "dolar singapurski"), "THB": ("0.1120", "bat (Tajlandia)"),
    "TRY": ("0.087000", "lira turecka"), "UAH": ("0.088000", "hrywna (Ukraina)"),
    "USD": ("3.6500", "dolar amerykański"), "XDR": ("4.9500", "SDR (MFW)"),
    "ZAR": ("0.2100", "rand (Republika Południowej Afryki)"),
}
assert set(_BASE) == TABLE_A_CURRENCIES, "the simulator serves exactly the client's table A"


def is_table_day(day: date) -> bool:
    """NBP publishes table A on working days only (not on Saturdays, Sundays or public holidays)."""
    return _FIRST_TABLE <= day and is_working_day(day)


def table_number(day: date) -> str:
    """``NNN/A/NBP/YYYY``: the day's position among the year's table days."""
    first = date(day.year, 1, 1).toordinal()
    count = sum(1 for ordinal in range(first, day.toordinal() + 1) if is_table_day(date.fromordinal(ordinal)))
    return f"{count:03d}/A/NBP/{day.year}"


def sim_rate(code: str, day: date) -> Decimal:
    """The simulator's mid rate of ``code`` on ``day`` (the base ±1 %, same decimals as the base)."""
    base = Decimal(_BASE[code][0])
    digest = hashlib.sha256(f"{code}/{day.isoformat()}".encode()).digest()
    wobble = Decimal(int.from_bytes(digest[:4], "big") % 2001 - 1000) / Decimal(100000)  # -1 % … +1 %
    return (base * (1 + wobble)).quantize(base)


@dataclass
class NbpSim:
    """The simulator's NBP switches (admin API) and a request counter."""

    mode: str = "up"
    failures: int | None = None  # None: the mode holds until changed
    timeout_seconds: float = 30.0
    requests: int = 0
    _release: asyncio.Event | None = field(default=None, repr=False)

    def release(self) -> None:
        """Let requests held by the ``timeout`` mode finish (the mode changed)."""
        if self._release is not None:
            self._release.set()
            self._release = None

    def failing_mode(self) -> str:
        """The mode for the next rate request, counting down ``failures``."""
        if self.mode == "up":
            return "up"
        mode = self.mode
        if self.failures is not None:
            self.failures -= 1
            if self.failures <= 0:
                self.mode, self.failures = "up", None
        return mode


def _answer(code: str, day: date) -> Response:
    body = {"table": "A", "currency": _BASE[code][1], "code": code,
            "rates": [{"no": table_number(day), "effectiveDate": day.isoformat(), "mid": "@MID@"}]}
    # The mid is a JSON number written from the Decimal itself (json cannot, float would round).
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    text = text.replace('"@MID@"', str(sim_rate(code, day)))
    return Response(text, media_type="application/json; charset=utf-8")


def _today() -> date:
    return utcnow().astimezone(WARSAW).date()


def routes(sim: NbpSim | None = None) -> list[BaseRoute]:
    """The ``/nbp`` API routes and the ``/sim/nbp`` admin routes, sharing one :class:`NbpSim`."""
    state = sim or NbpSim()

    async def failure() -> Response | None:
        mode = state.failing_mode()
        if mode == "error500":
            return PlainTextResponse("500 Internal Server Error", status_code=500)
        if mode == "badjson":
            return Response("<html><body>Przerwa techniczna</body></html>", media_type="application/json")
        if mode == "timeout":
            if state._release is None:
                state._release = asyncio.Event()
            try:
                await asyncio.wait_for(state._release.wait(), timeout=state.timeout_seconds)
            except TimeoutError:
                pass
            return PlainTextResponse("504 Gateway Timeout", status_code=504)
        return None

    async def rate(request: Request) -> Response:
        state.requests += 1
        if (failed := await failure()) is not None:
            return failed
        code = str(request.path_params["code"]).upper()
        table = str(request.path_params["table"]).upper()
        try:
            day = date.fromisoformat(str(request.path_params["day"]))
        except ValueError:
            return PlainTextResponse(_BAD_DATE, status_code=400)
        if table != "A" or code not in _BASE or not is_table_day(day) or day > _today():
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        return _answer(code, day)

    async def latest(request: Request) -> Response:
        state.requests += 1
        if (failed := await failure()) is not None:
            return failed
        code = str(request.path_params["code"]).upper()
        if str(request.path_params["table"]).upper() != "A" or code not in _BASE:
            return PlainTextResponse(_NOT_FOUND, status_code=404)
        day = _today()
        while not is_table_day(day):
            day = date.fromordinal(day.toordinal() - 1)
        return _answer(code, day)

    async def admin_get(request: Request) -> Response:
        return JSONResponse({"mode": state.mode, "failures": state.failures, "requests": state.requests})

    async def admin_put(request: Request) -> Response:
        try:
            body: Any = json.loads(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "niepoprawny JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"error": "oczekiwano obiektu JSON"}, status_code=400)
        mode = body.get("mode", state.mode)
        failures = body.get("failures")
        seconds = body.get("timeoutSeconds", state.timeout_seconds)
        if mode not in _MODES:
            return JSONResponse({"error": f"mode: jedno z {', '.join(_MODES)}"}, status_code=400)
        bad_count = isinstance(failures, bool) or not isinstance(failures, int) or failures < 1
        if failures is not None and bad_count:
            return JSONResponse({"error": "failures: liczba całkowita ≥ 1"}, status_code=400)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
            return JSONResponse({"error": "timeoutSeconds: liczba > 0"}, status_code=400)
        state.release()
        state.mode, state.failures, state.timeout_seconds = mode, failures, float(seconds)
        return await admin_get(request)

    prefix = "/nbp/api/exchangerates/rates/{table}/{code}"
    return [
        Route(prefix + "/{day}/", rate, methods=["GET"]),
        Route(prefix + "/{day}", rate, methods=["GET"]),
        Route(prefix + "/", latest, methods=["GET"]),
        Route(prefix, latest, methods=["GET"]),
        Route("/sim/nbp", admin_get, methods=["GET"]),
        Route("/sim/nbp", admin_put, methods=["PUT"]),
    ]

