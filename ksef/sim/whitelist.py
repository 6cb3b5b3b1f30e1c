"""MF's VAT taxpayer list API ("biała lista", ``wl-api.mf.gov.pl``) under ``/wl``, admin under ``/sim/wl``.

Same paths, answer shapes and error bodies as MF's API (``{"result": {...}}``; errors
``{"code": "WL-1xx", "message": ...}`` with the documented HTTP status), so ``ksef.whitelist`` runs
against it unchanged with base URL ``<root>/wl``. Who is on the list (first match wins):

1. subjects registered with ``POST /sim/wl/subjects``;
2. sellers of invoices stored in the KSeF simulator (name, address and accounts from their FA(3));
3. subjects of the KSeF simulator (``POST /sim/subjects``): active, one account derived from the NIP;
4. any other valid NIP is not on the list (``subject: null``; a check answers ``NIE``).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import string
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from lxml import etree
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.banking import normalize_account
from ksef.errors import BankAccountError
from ksef.identifiers import nip_is_valid
from ksef.sim.routing import Runtime
from ksef.timezone import WARSAW

PREFIX: Final = "/wl"
STATUSES: Final = ("Czynny", "Zwolniony", "Niezarejestrowany")
FAILURE_MODES: Final = ("none", "error500", "down", "slow", "limit", "updating")
# The list exists since 1.09.2019 (art. 96b of the VAT act); earlier dates are outside its range.
FIRST_DAY: Final = date(2019, 9, 1)
DEFAULT_LIMITS: Final = {"search": 100, "check": 5000}
REQUEST_LOG_SIZE: Final = 10_000

# MF's error table: code → (HTTP status, message). "(nr)" in MF's texts stands for the value sent.
_ERRORS: Final[dict[str, tuple[int, str]]] = {
    "WL-100": (500, "Wystąpił nieoczekiwany błąd serwera."),
    "WL-101": (400, "Pole 'data' nie może być puste."),
    "WL-102": (400, "Pole 'data' ma nieprawidłowy format."),
    "WL-103": (400, "Data nie może być datą przyszłą."),
    "WL-108": (400, "Pole 'numer konta' nie może być puste."),
    "WL-109": (400, "Pole 'numer konta' ma nieprawidłową długość. Wymagane 26 znaków ({value})."),
    "WL-110": (400, "Pole 'numer konta' zawiera niedozwolone znaki. Wymagane tylko cyfry ({value})."),
    "WL-111": (400, "Nieprawidłowy numer konta bankowego ({value})."),
    "WL-112": (400, "Pole 'NIP' nie może być puste."),
    "WL-113": (400, "Pole 'NIP' ma nieprawidłową długość. Wymagane 10 znaków ({value})."),
    "WL-114": (400, "Pole 'NIP' zawiera niedozwolone znaki. Wymagane tylko cyfry ({value})."),
    "WL-115": (400, "Nieprawidłowy NIP ({value})."),
    "WL-118": (400, "Data sprzed zakresu rejestru."),
    "WL-191": (429, "Limit żądań dla tego adresu IP został na dziś wyczerpany."),
    "WL-196": (400, "Trwa aktualizacja bazy danych. Spróbuj ponownie później."),
}

_DOWN_PAGE = """<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>
<body><h1>503 Service Unavailable</h1></body></html>"""

# Every key MF's subject carries, in its order; absent values are null, lists empty.
_SUBJECT_KEYS: Final = (
    "name", "nip", "statusVat", "regon", "pesel", "krs", "residenceAddress", "workingAddress",
    "representatives", "authorizedClerks", "partners", "registrationLegalDate", "registrationDenialDate",
    "registrationDenialBasis", "restorationDate", "restorationBasis", "removalDate", "removalBasis",
    "accountNumbers", "hasVirtualAccounts",
)
_LIST_KEYS: Final = frozenset({"representatives", "authorizedClerks", "partners", "accountNumbers"})


class _Refused(Exception):
    def __init__(self, code: str, value: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.value = value


def _error(code: str, value: str = "") -> JSONResponse:
    status, message = _ERRORS[code]
    return JSONResponse({"code": code, "message": message.format(value=value)}, status_code=status)


def derived_account(nip: str) -> str:
    """The sandbox account of a KSeF-simulator subject: a valid NRB made from its NIP."""
    body = "10901014" + "0000" + nip + "00"  # bank routing number + 16-digit account part
    check = 98 - int(body + "252100") % 97  # ISO 7064 over BBAN + "PL" (25 21) + "00"
    return f"{check:02d}{body}"


@dataclass
class WhiteListSim:
    """State of the white-list stand-in (in memory only; the KSeF simulator's state is read, not changed)."""

    runtime: Runtime
    registered: dict[str, dict[str, Any]] = field(default_factory=dict)
    failure: str = "none"
    slow_seconds: float = 30.0
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    used: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (day, ip, method) -> count
    requests: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    _release: asyncio.Event | None = None

    # --- the API -------------------------------------------------------------------------------------
    async def search_nip(self, request: Request) -> Response:
        """``GET /wl/api/search/nip/{nip}?date=``."""
        return await self._serve(request, "search", self._search)

    async def check_account(self, request: Request) -> Response:
        """``GET /wl/api/check/nip/{nip}/bank-account/{account}?date=``."""
        return await self._serve(request, "check", self._check)

    async def _serve(self, request: Request, method: str, answer: Any) -> Response:
        entry: dict[str, Any] = {"method": method, "path": request.url.path, "query": str(request.url.query),
                 "ip": _client_ip(request), "status": None}
        self.requests.append(entry)
        response = await self._respond(request, method, answer)
        entry["status"] = response.status_code
        return response

    async def _respond(self, request: Request, method: str, answer: Any) -> Response:
        if self.failure == "slow":
            release = self._release_event()
            try:
                await asyncio.wait_for(release.wait(), self.slow_seconds)
            except TimeoutError:
                pass
        mode = self.failure
        if mode == "down":
            return HTMLResponse(_DOWN_PAGE, status_code=503)
        if mode == "error500":
            return _error("WL-100")
        if mode == "updating":
            return _error("WL-196")
        if mode == "limit":
            return _error("WL-191")
        now = datetime.now(WARSAW)
        key = (now.date().isoformat(), _client_ip(request), method)
        self.used[key] = self.used.get(key, 0) + 1
        if self.used[key] > self.limits[method]:
            return _error("WL-191")
        try:
            day = _day(request.query_params.get("date"), now.date())
            body = answer(request, day)
        except _Refused as refused:
            return _error(refused.code, refused.value)
        body["result"]["requestId"] = _request_id()
        body["result"]["requestDateTime"] = now.strftime("%d-%m-%Y %H:%M:%S")
        return JSONResponse(body)

    def _search(self, request: Request, day: date) -> dict[str, Any]:
        nip = _nip(request.path_params["nip"])
        return {"result": {"subject": self.subject(nip)}}

    def _check(self, request: Request, day: date) -> dict[str, Any]:
        nip = _nip(request.path_params["nip"])
        account = _account(request.path_params["account"])
        subject = self.subject(nip)
        # MF: "czy rachunek przypisany do podmiotu czynnego" — only an active taxpayer's account is TAK.
        assigned = subject is not None and subject["statusVat"] == "Czynny" and \
            account in subject["accountNumbers"]
        return {"result": {"accountAssigned": "TAK" if assigned else "NIE"}}

    def subject(self, nip: str) -> dict[str, Any] | None:
        """The subject JSON the list shows for ``nip``, or None when it is not on the list."""
        if nip in self.registered:
            return self.registered[nip]
        state = self.runtime.state
        with state.lock:
            sold = [i for i in state.invoices.values() if i.seller_nip == nip]
            known = state.subjects.get(nip)
        if sold:
            return _from_invoices(nip, [(i.acquisition_date, i.seller_name, i.xml) for i in sold])
        if known is not None:
            return complete_subject({"nip": nip, "name": known.get("name") or f"Podmiot {nip}",
                                     "statusVat": "Czynny",
                                     "workingAddress": f"ul. Testowa {nip[-2:]}, 00-950 Warszawa",
                                     "accountNumbers": [derived_account(nip)]})
        return None

    def _release_event(self) -> asyncio.Event:
        if self._release is None:
            self._release = asyncio.Event()
        return self._release

    # --- the admin API -------------------------------------------------------------------------------
    async def admin_register(self, request: Request) -> Response:
        """``POST /sim/wl/subjects``: put a subject on the list (replaces one with the same NIP)."""
        body = await _body(request)
        if body is None:
            return _admin_error(400, "oczekiwano obiektu JSON")
        nip = body.get("nip")
        if not isinstance(nip, str) or not nip_is_valid(nip):
            return _admin_error(400, f"nip: 10 cyfr z poprawną cyfrą kontrolną, otrzymano {nip!r}")
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            return _admin_error(400, "name: podaj nazwę podmiotu")
        status = body.get("statusVat", "Czynny")
        if status not in STATUSES:
            return _admin_error(400, f"statusVat: jedno z {', '.join(STATUSES)}")
        accounts = body.get("accountNumbers", [])
        if not isinstance(accounts, list):
            return _admin_error(400, "accountNumbers: lista numerów rachunków")
        try:
            normalized = [normalize_account(str(a)) for a in accounts]
        except BankAccountError as exc:
            return _admin_error(400, f"accountNumbers: {exc}")
        subject = complete_subject({**body, "nip": nip, "name": name.strip(), "statusVat": status,
                                    "accountNumbers": normalized})
        self.registered[nip] = subject
        return JSONResponse(subject, status_code=201)

    async def admin_remove(self, request: Request) -> Response:
        """``DELETE /sim/wl/subjects/{nip}``: take a registered subject off the list."""
        if self.registered.pop(request.path_params["nip"], None) is None:
            return _admin_error(404, "nie ma takiego zarejestrowanego podmiotu")
        return Response(status_code=204)

    async def admin_failure(self, request: Request) -> Response:
        """``PUT /sim/wl/failure``: ``{"mode": none|error500|down|slow|limit|updating, "slowSeconds"?}``."""
        if request.method == "PUT":
            body = await _body(request)
            if body is None:
                return _admin_error(400, "oczekiwano obiektu JSON")
            mode = body.get("mode", "none")
            if mode not in FAILURE_MODES:
                return _admin_error(400, f"mode: jedno z {', '.join(FAILURE_MODES)}")
            if "slowSeconds" in body:
                seconds = body["slowSeconds"]
                if not isinstance(seconds, int | float) or seconds < 0:
                    return _admin_error(400, "slowSeconds: liczba sekund ≥ 0")
                self.slow_seconds = float(seconds)
            if self._release is not None:
                self._release.set()  # answers held by "slow" go on at once
            self._release = asyncio.Event() if mode == "slow" else None
            self.failure = mode
        return JSONResponse({"mode": self.failure, "slowSeconds": self.slow_seconds})

    async def admin_limits(self, request: Request) -> Response:
        """``PUT /sim/wl/limits``: ``{"search"?: n, "check"?: n, "reset"?: true}`` (daily, per client IP)."""
        if request.method == "PUT":
            body = await _body(request)
            if body is None:
                return _admin_error(400, "oczekiwano obiektu JSON")
            for method in ("search", "check"):
                if method in body:
                    value = body[method]
                    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                        return _admin_error(400, f"{method}: liczba zapytań dziennie ≥ 0")
                    self.limits[method] = value
            if body.get("reset"):
                self.used.clear()
            if body.get("defaults"):
                self.limits = dict(DEFAULT_LIMITS)
        used: dict[str, int] = {}
        for (_, _, method), count in self.used.items():
            used[method] = used.get(method, 0) + count
        return JSONResponse({"limits": self.limits, "used": used})

    async def admin_requests(self, request: Request) -> Response:
        """``GET /sim/wl/requests[?method=search|check]`` (``DELETE`` empties the log)."""
        if request.method == "DELETE":
            self.requests.clear()
            return Response(status_code=204)
        method = request.query_params.get("method")
        rows = [r for r in self.requests if method is None or r["method"] == method]
        return JSONResponse({"requests": rows, "capacity": REQUEST_LOG_SIZE})


def _client_ip(request: Request) -> str:
    """The client IP MF would count the request against."""
    return request.client.host if request.client else "?"


def complete_subject(data: dict[str, Any]) -> dict[str, Any]:
    """A subject with every key of MF's answer (nulls and empty lists where nothing is known)."""
    return {key: data.get(key, [] if key in _LIST_KEYS else (False if key == "hasVirtualAccounts" else None))
            for key in _SUBJECT_KEYS}


def _from_invoices(nip: str, sold: list[tuple[datetime, str | None, bytes]]) -> dict[str, Any]:
    """A seller as its invoices describe it: the newest invoice's name and address, every account used."""
    sold.sort(key=lambda item: item[0])
    accounts: list[str] = []
    address: str | None = None
    for _, _, xml in sold:
        found, where = _seller_data(xml)
        address = where or address
        for account in found:
            if account not in accounts:
                accounts.append(account)
    name = sold[-1][1] or f"Podmiot {nip}"
    return complete_subject({"nip": nip, "name": name, "statusVat": "Czynny", "workingAddress": address,
                             "accountNumbers": accounts})


def _seller_data(xml: bytes) -> tuple[list[str], str | None]:
    try:
        root = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return [], None
    accounts = []
    for text in _texts(root, "//*[local-name()='RachunekBankowy']/*[local-name()='NrRB']"):
        try:
            accounts.append(normalize_account(text))
        except BankAccountError:
            continue  # a foreign account: not something the Polish list would show
    lines = _texts(root, "//*[local-name()='Podmiot1']/*[local-name()='Adres']/*[starts-with(local-name(),"
                         "'AdresL')]")
    return accounts, ", ".join(lines) or None


def _texts(root: etree._Element, path: str) -> list[str]:
    """Non-empty stripped texts of the elements ``path`` selects."""
    found = root.xpath(path)
    if not isinstance(found, list):
        return []
    return [text for element in found if isinstance(element, etree._Element)
            if (text := (element.text or "").strip())]


def _nip(value: str) -> str:
    if not value:
        raise _Refused("WL-112")
    if len(value) != 10:
        raise _Refused("WL-113", value)
    if not value.isdigit():
        raise _Refused("WL-114", value)
    if not nip_is_valid(value):
        raise _Refused("WL-115", value)
    return value


def _account(value: str) -> str:
    if not value:
        raise _Refused("WL-108")
    if len(value) != 26:
        raise _Refused("WL-109", value)
    if not value.isdigit():
        raise _Refused("WL-110", value)
    try:
        return normalize_account(value)
    except BankAccountError:
        raise _Refused("WL-111", value) from None


def _day(value: str | None, today: date) -> date:
    if not value:
        raise _Refused("WL-101")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _Refused("WL-102") from None
    if len(value) != len("YYYY-MM-DD"):  # fromisoformat also takes the basic form 20261204
        raise _Refused("WL-102")
    if day > today:
        raise _Refused("WL-103")
    if day < FIRST_DAY:
        raise _Refused("WL-118")
    return day


_ID_ALPHABET = string.ascii_lowercase + string.digits


def _request_id() -> str:
    """An identifier in the style of MF's (``d2n10-84df1a1``): unique per answer."""
    head = "".join(secrets.choice(_ID_ALPHABET) for _ in range(5))
    tail = "".join(secrets.choice(_ID_ALPHABET) for _ in range(8))
    return f"{head}-{tail}"


async def _body(request: Request) -> dict[str, Any] | None:
    """The admin request's JSON object ({} when empty), None when it is not a JSON object."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _admin_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(runtime: Runtime) -> list[BaseRoute]:
    """Starlette routes of the white-list API (``/wl/api/...``) and its admin API (``/sim/wl/...``)."""
    sim = WhiteListSim(runtime)
    return [
        Route(PREFIX + "/api/search/nip/{nip}", sim.search_nip, methods=["GET"]),
        Route(PREFIX + "/api/check/nip/{nip}/bank-account/{account}", sim.check_account, methods=["GET"]),
        Route("/sim/wl/subjects", sim.admin_register, methods=["POST"]),
        Route("/sim/wl/subjects/{nip}", sim.admin_remove, methods=["DELETE"]),
        Route("/sim/wl/failure", sim.admin_failure, methods=["GET", "PUT"]),
        Route("/sim/wl/limits", sim.admin_limits, methods=["GET", "PUT"]),
        Route("/sim/wl/requests", sim.admin_requests, methods=["GET", "DELETE"]),
    ]
