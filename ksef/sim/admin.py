"""The simulator's own administration API under ``/sim`` (its README.md, beside this module)."""

from __future__ import annotations

import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.identifiers import random_valid_nip
from ksef.schemas import schema_errors
from ksef.sim import repository
from ksef.sim.ca import CERT_TYPES
from ksef.sim.fa3meta import encoding_problems, read_facts
from ksef.sim.routing import Runtime
from ksef.sim.state import WARSAW, SimConfig, iso, utcnow
from ksef.sim.synthetic import synthetic_invoice
from ksef.sim.tokens import create_token

_API_MODES = ("up", "down", "error500", "slow")
_LATARNIA_STATUSES = ("AVAILABLE", "MAINTENANCE", "FAILURE", "TOTAL_FAILURE")


class AdminError(Exception):
    """A refused admin request: HTTP status and a clear message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _err(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise AdminError(400, f"niepoprawny JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise AdminError(400, "oczekiwano obiektu JSON")
    return body


def _nip(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 10 or not value.isdigit():
        raise AdminError(400, f"NIP musi mieć 10 cyfr, otrzymano {value!r}")
    return value


def _date(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AdminError(400, f"{name}: niepoprawna data ISO-8601 {value!r}") from exc
    if parsed.tzinfo is None:
        raise AdminError(400, f"{name}: data musi zawierać strefę czasową (np. +00:00)")
    return parsed


class Admin:
    """Handlers of the admin API bound to one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.state = runtime.state

    def routes(self) -> list[BaseRoute]:
        """Starlette routes under ``/sim``."""
        return [
            Route("/sim/subjects", self._wrap(self.subjects), methods=["POST"]),
            Route("/sim/tokens", self._wrap(self.tokens), methods=["POST"]),
            Route("/sim/tokens/{token:path}", self._wrap(self.delete_token), methods=["DELETE"]),
            Route("/sim/invoices", self._wrap(self.invoices), methods=["POST"]),
            Route("/sim/invoices/bulk", self._wrap(self.bulk), methods=["POST"]),
            Route("/sim/certificates", self._wrap(self.certificates), methods=["POST"]),
            Route("/sim/availability", self._wrap(self.availability), methods=["PUT"]),
            Route("/sim/limits", self._wrap(self.limits), methods=["PUT", "GET"]),
            Route("/sim/config", self._wrap(self.config), methods=["PUT", "GET"]),
            Route("/sim/faults", self._wrap(self.faults), methods=["PUT", "GET"]),
            Route("/sim/state", self._wrap(self.get_state), methods=["GET"]),
            Route("/sim/requests", self._wrap(self.requests), methods=["GET", "DELETE"]),
        ]

    def _wrap(self, fn: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                result: Response = await fn(request)
                return result
            except AdminError as exc:
                return _err(exc.status, exc.message)

        return endpoint

    async def subjects(self, request: Request) -> Response:
        """``POST /sim/subjects`` → subject + token with InvoiceRead and InvoiceWrite."""
        body = await _json(request)
        nip = _nip(body["nip"]) if body.get("nip") else random_valid_nip()
        with self.state.lock:
            self.state.subjects[nip] = {"nip": nip, "name": body.get("name") or f"Podmiot {nip}"}
            token = create_token(self.state, nip, ["InvoiceRead", "InvoiceWrite"])
        return JSONResponse({"nip": nip, "token": token.secret, "referenceNumber": token.reference_number})

    async def tokens(self, request: Request) -> Response:
        """``POST /sim/tokens``."""
        body = await _json(request)
        nip = _nip(body.get("nip"))
        permissions = body.get("permissions", ["InvoiceRead", "InvoiceWrite"])
        if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
            raise AdminError(400, "permissions musi być listą napisów")
        with self.state.lock:
            self.state.subjects.setdefault(nip, {"nip": nip, "name": f"Podmiot {nip}"})
            try:
                token = create_token(
                    self.state, nip, permissions, body.get("description") or "Token symulatora"
                )
            except ValueError as exc:
                raise AdminError(400, str(exc)) from exc
        return JSONResponse({"token": token.secret, "referenceNumber": token.reference_number})

    async def delete_token(self, request: Request) -> Response:
        """``DELETE /sim/tokens/{token}`` (the secret or its reference number) → revoked."""
        given = request.path_params["token"]
        with self.state.lock:
            token = self.state.tokens.get(given) or self.state.token_by_secret(given)
            if token is None:
                raise AdminError(404, "nie ma takiego tokenu")
            token.status = "Revoked"
            self.state.mark_dirty()
        return Response(status_code=204)

    async def invoices(self, request: Request) -> Response:
        """``POST /sim/invoices`` (FA(3) XML) → stored as issued by Podmiot1 to Podmiot2."""
        xml = await request.body()
        problems = encoding_problems(xml) + [str(i) for i in schema_errors("fa3", xml)]
        if problems:
            raise AdminError(400, "faktura niezgodna ze schematem FA(3): " + "; ".join(problems[:5]))
        facts = read_facts(xml)
        now = utcnow()
        psd = _date(request.query_params.get("permanentStorageDate"), "permanentStorageDate")
        # Injected invoices are visible at once: stored now (or at the given date), numbered just before.
        acquisition = _date(request.query_params.get("acquisitionDate"), "acquisitionDate") or (
            min(now, psd) if psd is not None else now
        ) - repository.MIN_STORAGE_GAP
        if psd is None:
            psd = acquisition + max(repository.MIN_STORAGE_GAP,
                                    timedelta(seconds=self.state.config.storage_delay_seconds))
        with self.state.lock:
            if self.state.hwm_reported is not None and psd <= self.state.hwm_reported:
                raise AdminError(
                    409,
                    f"permanentStorageDate {iso(psd)} nie jest późniejsza niż zgłoszony już HWM "
                    f"{iso(self.state.hwm_reported)} (KSeF gwarantuje, że nic nie pojawi się poniżej HWM)",
                )
            if psd <= acquisition:
                raise AdminError(400, "permanentStorageDate musi być późniejsza niż acquisitionDate")
            if repository.duplicate_key(facts) in self.state.duplicate_keys:
                raise AdminError(
                    409, f"duplikat: faktura {facts.invoice_number} sprzedawcy {facts.seller_nip} już jest"
                )
            invoice = repository.store(
                self.state,
                xml,
                facts,
                invoicing_date=acquisition,
                acquisition_date=acquisition,
                permanent_storage_date=psd,
            )
        return JSONResponse(
            {"ksefNumber": invoice.ksef_number, "permanentStorageDate": iso(invoice.permanent_storage_date)}
        )

    async def bulk(self, request: Request) -> Response:
        """``POST /sim/invoices/bulk`` → many synthetic invoices, seller → buyer."""
        body = await _json(request)
        seller, buyer = _nip(body.get("sellerNip")), _nip(body.get("buyerNip"))
        count = body.get("count")
        spread = body.get("spreadSeconds", 0)
        if not isinstance(count, int) or not 1 <= count <= 200_000:
            raise AdminError(400, "count musi być liczbą 1..200000")
        if not isinstance(spread, int | float) or spread < 0:
            raise AdminError(400, "spreadSeconds musi być liczbą >= 0")
        now = utcnow()
        issue = now.astimezone(WARSAW).date().isoformat()
        created = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        batch = secrets.token_hex(3).upper()
        numbers: list[str] = []
        with self.state.lock:
            # Distinct, increasing storage dates, in the past (visible at once), at least 1 ms apart when
            # possible: clients continue "from the last record's date" and often keep only milliseconds.
            span = timedelta(seconds=spread) if spread > 0 else timedelta(milliseconds=count)
            start = now - span
            if self.state.hwm_reported is not None and start <= self.state.hwm_reported:
                start = self.state.hwm_reported + timedelta(microseconds=1)
            step = max((now - start) / count, timedelta(microseconds=1))
            for i in range(count):
                psd = start + step * (i + 1)
                xml, facts = synthetic_invoice(
                    seller, buyer, f"SIM/{batch}/{i + 1}", issue, created, 10_000 + i
                )
                acquisition = psd - max(timedelta(seconds=self.state.config.storage_delay_seconds),
                                        repository.MIN_STORAGE_GAP)
                invoice = repository.store(
                    self.state,
                    xml,
                    facts,
                    invoicing_date=acquisition,
                    acquisition_date=acquisition,
                    permanent_storage_date=psd,
                )
                numbers.append(invoice.ksef_number)
        return JSONResponse({"ksefNumbers": numbers})

    async def certificates(self, request: Request) -> Response:
        """``POST /sim/certificates`` → a KSeF certificate from the simulator's CA (``ksef.sim.ca``)."""
        body = await _json(request)
        nip = _nip(body.get("nip"))
        cert_type = body.get("type")
        if cert_type not in CERT_TYPES:
            raise AdminError(400, "type musi być 'Offline' albo 'Authentication'")
        password = body.get("password")
        if not isinstance(password, str) or not password:
            raise AdminError(400, "password jest wymagane")
        key_type = body.get("keyType", "EC")
        if key_type not in ("RSA", "EC"):
            raise AdminError(400, "keyType musi być 'RSA' albo 'EC'")
        ca = self.runtime.ca
        if ca is None:
            raise AdminError(501, "urząd certyfikacji symulatora (ksef.sim.ca) nie jest dostępny")
        issued = ca.issue(nip, cert_type, password, key_type)
        self.state.mark_dirty()
        return JSONResponse(
            {"key": issued.key_pem, "cert": issued.cert_pem, "serialNumber": issued.serial_number}
        )

    async def availability(self, request: Request) -> Response:
        """``PUT /sim/availability``."""
        body = await _json(request)
        avail = self.state.availability
        with self.state.lock:
            if "api" in body:
                if body["api"] not in _API_MODES:
                    raise AdminError(400, f"api musi być jednym z {', '.join(_API_MODES)}")
                avail.api = body["api"]
            if "slowSeconds" in body:
                if not isinstance(body["slowSeconds"], int | float) or body["slowSeconds"] < 0:
                    raise AdminError(400, "slowSeconds musi być liczbą >= 0")
                avail.slow_seconds = float(body["slowSeconds"])
            lat = body.get("latarnia")
            if lat == "down":
                avail.latarnia.down = True
            elif lat == "up":
                avail.latarnia.down = False
            elif isinstance(lat, dict):
                if "status" in lat:
                    if lat["status"] not in _LATARNIA_STATUSES:
                        raise AdminError(
                            400, f"latarnia.status musi być jednym z {', '.join(_LATARNIA_STATUSES)}"
                        )
                    avail.latarnia.status = lat["status"]
                if "messages" in lat:
                    if not isinstance(lat["messages"], list):
                        raise AdminError(400, "latarnia.messages musi być listą")
                    avail.latarnia.messages = lat["messages"]
                avail.latarnia.down = bool(lat.get("down", False))
            elif lat is not None:
                raise AdminError(400, "latarnia musi być obiektem albo 'down'/'up'")
            self.state.mark_dirty()
        return JSONResponse(self._availability_json())

    def _availability_json(self) -> dict[str, Any]:
        avail = self.state.availability
        return {
            "api": avail.api,
            "slowSeconds": avail.slow_seconds,
            "latarnia": {
                "status": avail.latarnia.status,
                "messages": avail.latarnia.messages,
                "down": avail.latarnia.down,
            },
        }

    async def limits(self, request: Request) -> Response:
        """``PUT /sim/limits`` (overrides, ``enabled``, ``reset``, ``defaults``); ``GET`` shows them."""
        limiter = self.runtime.limiter
        if request.method == "PUT":
            body = await _json(request)
            try:
                limiter.configure(body)
            except ValueError as exc:
                raise AdminError(400, str(exc)) from exc
        return JSONResponse({"enabled": limiter.enabled, "limits": limiter.describe()})

    async def config(self, request: Request) -> Response:
        """``PUT /sim/config``."""
        cfg = self.state.config
        if request.method == "PUT":
            body = await _json(request)
            unknown = [k for k in body if k not in SimConfig.JSON_NAMES]
            if unknown:
                raise AdminError(400, f"nieznane ustawienia: {', '.join(unknown)}")
            with self.state.lock:
                for key, value in body.items():
                    attr = SimConfig.JSON_NAMES[key]
                    current = getattr(cfg, attr)
                    if isinstance(current, bool):
                        if not isinstance(value, bool):
                            raise AdminError(400, f"{key} musi być true/false")
                    elif isinstance(current, int) and not isinstance(current, bool):
                        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                            raise AdminError(400, f"{key} musi być dodatnią liczbą całkowitą")
                    elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                        raise AdminError(400, f"{key} musi być liczbą >= 0")
                    setattr(cfg, attr, float(value) if isinstance(current, float) else value)
                self.state.mark_dirty()
        return JSONResponse(cfg.to_json())

    async def faults(self, request: Request) -> Response:
        """``PUT /sim/faults`` ``{"sessionUnavailable": N}``: the next N invoice sends answer 21184."""
        faults = self.runtime.faults
        if request.method == "PUT":
            body = await _json(request)
            unknown = [k for k in body if k != "sessionUnavailable"]
            if unknown:
                raise AdminError(400, f"nieznane awarie: {', '.join(unknown)}")
            value = body.get("sessionUnavailable", faults.session_unavailable)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise AdminError(400, "sessionUnavailable musi być liczbą całkowitą >= 0")
            with self.state.lock:
                faults.session_unavailable = value
        return JSONResponse(faults.to_json())

    async def requests(self, request: Request) -> Response:
        """``GET /sim/requests[?path=/invoices/query/metadata&nip=…]``: the request log, oldest first;
        ``DELETE`` empties it."""
        log = self.runtime.requests
        if request.method == "DELETE":
            log.clear()
            return Response(status_code=204)
        path, nip = request.query_params.get("path"), request.query_params.get("nip")
        entries = [dict(e) for e in list(log)
                   if (path is None or e["path"] == path) and (nip is None or e["nip"] == nip)]
        return JSONResponse({"requests": entries, "capacity": log.maxlen})

    async def get_state(self, request: Request) -> Response:
        """``GET /sim/state``: counts, availability, config."""
        with self.state.lock:
            hwm = self.state.hwm_reported
            body = {
                **self.state.counts(),
                "availability": self._availability_json(),
                "config": self.state.config.to_json(),
                "permanentStorageHwmDate": iso(hwm) if hwm else None,
            }
        return JSONResponse(body)
