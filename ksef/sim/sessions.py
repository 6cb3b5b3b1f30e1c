"""Online sessions: open, send, asynchronous checks, statuses, close, UPO, lists (docs/ksef.md:
#sessions-and-sending, #invoice-checks)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.crypto import aes_cbc_decrypt, b64decode, rsa_oaep_decrypt, sha256_b64
from ksef.identifiers import nip_is_valid
from ksef.schemas import schema_errors
from ksef.sim import repository, upo
from ksef.sim.errors import bad_request
from ksef.sim.fa3meta import discouraged_in, encoding_problems, read_facts
from ksef.sim.keys import private_key
from ksef.sim.routing import ApiRoute, Call, add_system_warning, continuation_offset, json_response
from ksef.sim.state import WARSAW, OnlineSession, SessionInvoice, SimState, iso, new_reference, utcnow

SESSION_TTL = timedelta(hours=12)
MAX_INVOICES = 10_000
MAX_SIZE = 1_000_000
FORM_FA3 = {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"}
_TECHNICAL_REJECTIONS = {430, 435, 440, 450}
SUBJECT_IDENTIFIER_VALIDATION = "subject-identifier-validation"  # X-KSeF-Feature of POST /sessions/online

_DESCRIPTIONS = {
    100: "Faktura przyjęta do dalszego przetwarzania",
    150: "Trwa przetwarzanie",
    200: "Sukces",
    410: "Nieprawidłowy zakres uprawnień",
    430: "Błąd weryfikacji pliku faktury",
    435: "Błąd odszyfrowania pliku",
    440: "Duplikat faktury",
    450: "Błąd weryfikacji semantyki dokumentu faktury",
}


# --- open / send / close -----------------------------------------------------------------------
def open_session(call: Call) -> Response:
    """``POST /sessions/online``."""
    state, body, auth = call.state, call.json or {}, call.require_auth()
    if body.get("formCode") != FORM_FA3:
        raise bad_request(
            21405,
            "Błąd walidacji danych wejściowych.",
            "Symulator przyjmuje tylko formCode FA (3) / 1-0E / FA.",
        )
    enc = body.get("encryption") or {}
    key = state.key_for("SymmetricKeyEncryption")
    if enc.get("publicKeyId"):
        chosen = state.key_by_id(enc["publicKeyId"])
        if chosen is None or chosen.usage != "SymmetricKeyEncryption":
            raise bad_request(
                21470,
                "Nieznany lub wycofany identyfikator klucza publicznego.",
                f"publicKeyId {enc['publicKeyId']} nie wskazuje klucza SymmetricKeyEncryption.",
            )
        key = chosen
    try:
        iv = b64decode(enc.get("initializationVector", ""))
    except ValueError:
        iv = b""
    if len(iv) != 16:
        raise bad_request(
            21405,
            "Błąd walidacji danych wejściowych.",
            "initializationVector musi być Base64 z dokładnie 16 bajtów.",
        )
    aes_key: bytes | None
    try:
        aes_key = rsa_oaep_decrypt(private_key(key), b64decode(enc.get("encryptedSymmetricKey", "")))
        if len(aes_key) != 32:
            aes_key = None
    except ValueError:
        aes_key = None  # surfaces as session status 415, like KSeF
    now = utcnow()
    features = {f.strip().lower() for f in call.request.headers.get("x-ksef-feature", "").split(",")}
    session = OnlineSession(
        reference_number=new_reference("SO", now),
        nip=auth.nip,
        auth_reference=auth.auth_reference,
        created=now,
        updated=now,
        valid_until=now + SESSION_TTL,
        aes_key=aes_key,
        iv=iv,
        form_code=dict(FORM_FA3),
        validate_subject_identifiers=SUBJECT_IDENTIFIER_VALIDATION in features,
    )
    state.sessions[session.reference_number] = session
    state.mark_dirty()
    return json_response(
        {"referenceNumber": session.reference_number, "validUntil": iso(session.valid_until)}, 201
    )


def _session(call: Call) -> OnlineSession:
    session = call.state.sessions.get(call.param("referenceNumber"))
    if session is None or session.nip != call.require_auth().nip:
        raise bad_request(
            21173,
            "Brak sesji o wskazanym numerze referencyjnym.",
            f"Sesja {call.param('referenceNumber')} nie istnieje.",
        )
    return session


def _is_open(session: OnlineSession, now: datetime) -> bool:
    return not session.closed and now < session.valid_until


def send_invoice(call: Call) -> Response:
    """``POST /sessions/online/{referenceNumber}/invoices``: synchronous checks, then 202."""
    state, body = call.state, call.json or {}
    session = _session(call)
    now = utcnow()
    if not _is_open(session, now) or session.aes_key is None:
        raise bad_request(
            21180,
            "Status sesji nie pozwala na wykonanie operacji.",
            f"Sesja {session.reference_number} jest zamknięta, wygasła lub ma błędny klucz.",
        )
    faults = call.runtime.faults
    if faults.session_unavailable > 0 and not session.unavailable:
        faults.session_unavailable -= 1
        session.unavailable = True
        state.mark_dirty()
    if session.unavailable:
        raise bad_request(
            21184,
            "Sesja tymczasowo niedostępna.",
            f"Trwają prace serwisowe i sesja {session.reference_number} jest tymczasowo niedostępna. "
            "Spróbuj ponownie później lub otwórz nową sesję, aby wysłać kolejne faktury.",
        )
    if len(session.invoices) >= MAX_INVOICES:
        raise bad_request(21155, "Przekroczono dozwoloną liczbę faktur w sesji.")
    try:
        ciphertext = b64decode(body.get("encryptedInvoiceContent", ""))
    except ValueError as exc:
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", "encryptedInvoiceContent nie jest Base64."
        ) from exc
    if len(ciphertext) != body.get("encryptedInvoiceSize"):
        raise bad_request(
            21402,
            "Nieprawidłowy rozmiar pliku.",
            f"encryptedInvoiceSize={body.get('encryptedInvoiceSize')}, faktycznie {len(ciphertext)} B.",
        )
    if sha256_b64(ciphertext) != body.get("encryptedInvoiceHash"):
        raise bad_request(
            21403, "Nieprawidłowy skrót pliku.", "encryptedInvoiceHash nie zgadza się z zawartością."
        )
    # The simulator also checks the plaintext size/hash synchronously when the content decrypts.
    try:
        plain: bytes | None = aes_cbc_decrypt(session.aes_key, session.iv, ciphertext)
    except ValueError:
        plain = None  # reported asynchronously as 435
    if plain is not None:
        if len(plain) != body.get("invoiceSize"):
            raise bad_request(
                21402,
                "Nieprawidłowy rozmiar pliku.",
                f"invoiceSize={body.get('invoiceSize')}, faktycznie {len(plain)} B.",
            )
        if sha256_b64(plain) != body.get("invoiceHash"):
            raise bad_request(
                21403, "Nieprawidłowy skrót pliku.", "invoiceHash nie zgadza się z treścią faktury."
            )
    offline = bool(body.get("offlineMode", False))
    corrected = body.get("hashOfCorrectedInvoice")
    if corrected:
        if not offline:
            raise bad_request(
                21166,
                "Korekta techniczna niedostępna.",
                "Korekta techniczna dotyczy tylko faktur offline (offlineMode=true).",
            )
        if corrected not in state.rejected_offline_hashes:
            raise bad_request(
                21166,
                "Korekta techniczna niedostępna.",
                "Nie znaleziono odrzuconej faktury offline o podanym skrócie.",
            )
        if state.rejected_offline_hashes[corrected]:
            raise bad_request(21167, "Faktura została już poprawnie skorygowana.")
    inv = SessionInvoice(
        reference_number=new_reference("EE", now),
        ordinal=len(session.invoices) + 1,
        received=now,
        due=now + timedelta(seconds=state.config.processing_delay_seconds),
        invoice_hash=str(body.get("invoiceHash")),
        ciphertext=ciphertext,
        offline_mode=offline,
        hash_of_corrected=corrected,
    )
    session.invoices.append(inv)
    session.updated = now
    state.mark_dirty()
    if state.config.processing_delay_seconds <= 0:
        _process(state, session, inv, now)
    return json_response({"referenceNumber": inv.reference_number}, 202)


def close_session(call: Call) -> Response:
    """``POST /sessions/online/{referenceNumber}/close`` → 204."""
    session = _session(call)
    now = utcnow()
    if not _is_open(session, now):
        raise bad_request(
            21180, "Status sesji nie pozwala na wykonanie operacji.", "Sesja jest już zamknięta."
        )
    session.closed, session.closed_at, session.updated = True, now, now
    call.state.mark_dirty()
    return Response(status_code=204)


# --- asynchronous processing --------------------------------------------------------------------
def process_due(state: SimState) -> None:
    """Finish every sent invoice whose processing delay has passed (called before each API request)."""
    now = utcnow()
    for session in state.sessions.values():
        for inv in session.invoices:
            if inv.status_code < 200 and inv.due <= now:
                _process(state, session, inv, now)


def _reject(
    state: SimState,
    inv: SessionInvoice,
    code: int,
    details: list[str],
    extensions: dict[str, str] | None = None,
) -> None:
    inv.status_code, inv.status_description, inv.status_details = code, _DESCRIPTIONS[code], details
    inv.extensions = extensions
    inv.ciphertext = b""
    if inv.offline_mode and code in _TECHNICAL_REJECTIONS:
        state.rejected_offline_hashes.setdefault(inv.invoice_hash, False)


def _process(state: SimState, session: OnlineSession, inv: SessionInvoice, now: datetime) -> None:
    state.mark_dirty()
    assert session.aes_key is not None
    try:
        xml = aes_cbc_decrypt(session.aes_key, session.iv, inv.ciphertext)
    except ValueError:
        _reject(state, inv, 435, ["Nie udało się odszyfrować faktury kluczem sesji."])
        return
    problems = encoding_problems(xml, reject_discouraged=state.config.reject_discouraged_characters)
    if len(xml) > MAX_SIZE:
        problems.append(f"Rozmiar faktury {len(xml)} B przekracza limit {MAX_SIZE} B.")
    if problems:
        _reject(state, inv, 430, problems)
        return
    issues = schema_errors("fa3", xml)
    if issues:
        _reject(state, inv, 430, [str(i) for i in issues[:20]])
        return
    facts = read_facts(xml)
    inv.invoice_number = facts.invoice_number
    if facts.seller_nip != session.nip:
        _reject(state, inv, 410, [f"NIP sprzedawcy {facts.seller_nip} różni się od kontekstu {session.nip}."])
        return
    if state.config.nip_checksum or session.validate_subject_identifiers:
        nips = [
            facts.seller_nip,
            *([facts.buyer_id] if facts.buyer_type == "Nip" and facts.buyer_id else []),
            *facts.extra_nips,
        ]
        bad = [n for n in nips if not nip_is_valid(n)]
        if bad:
            _reject(state, inv, 450, [f"Nieprawidłowa suma kontrolna NIP: {', '.join(bad)}."])
            return
    received_day = inv.received.astimezone(WARSAW).date().isoformat()
    if facts.issue_date > now.astimezone(WARSAW).date().isoformat():
        _reject(
            state, inv, 450, [f"Data wystawienia P_1 {facts.issue_date} jest późniejsza niż data przyjęcia."]
        )
        return
    existing = state.duplicate_keys.get(repository.duplicate_key(facts))
    if existing is not None:
        number, original_session = existing
        _reject(
            state,
            inv,
            440,
            [f"Faktura o numerze {facts.invoice_number} już istnieje ({number})."],
            {"originalSessionReferenceNumber": original_session or "", "originalKsefNumber": number},
        )
        return
    # Auto-offline (docs/ksef.md#sessions-and-sending): P_1 earlier than the day of sending (Europe/Warsaw,
    # UNCONFIRMED zone).
    mode = "Offline" if inv.offline_mode or facts.issue_date < received_day else "Online"
    stored = repository.store(
        state,
        xml,
        facts,
        invoicing_date=inv.received,
        acquisition_date=now,
        invoicing_mode=mode,
        session_reference=session.reference_number,
        hash_of_corrected=inv.hash_of_corrected,
    )
    if inv.hash_of_corrected:
        state.rejected_offline_hashes[inv.hash_of_corrected] = True
    inv.status_code, inv.status_description, inv.status_details = 200, _DESCRIPTIONS[200], []
    inv.ksef_number, inv.invoicing_mode, inv.ciphertext = stored.ksef_number, mode, b""
    inv.upo_id = upo.register(state, session, [stored]).reference_number


# --- statuses -----------------------------------------------------------------------------------
def _session_code(state: SimState, session: OnlineSession, now: datetime) -> tuple[int, str]:
    if session.aes_key is None:
        return 415, "Błąd odszyfrowania dostarczonego klucza"
    if _is_open(session, now):
        return 100, "Sesja interaktywna otwarta"
    if any(i.status_code < 200 for i in session.invoices):
        return 170, "Sesja interaktywna zamknięta"
    if not session.invoices:
        return 440, "Sesja anulowana"
    if not any(i.status_code == 200 for i in session.invoices):
        return 445, "Błąd weryfikacji, brak poprawnych faktur"
    if not session.upo_pages:
        accepted = [
            state.invoices[i.ksef_number] for i in session.invoices if i.ksef_number in state.invoices
        ]
        for start in range(0, len(accepted), MAX_INVOICES):
            page = upo.register(state, session, accepted[start : start + MAX_INVOICES])
            session.upo_pages.append(page.reference_number)
    return 200, "Sesja interaktywna przetworzona pomyślnie"


def session_status(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}``."""
    session, now = _session(call), utcnow()
    code, description = _session_code(call.state, session, now)
    ok = sum(1 for i in session.invoices if i.status_code == 200)
    failed = sum(1 for i in session.invoices if i.status_code > 200)
    body: dict[str, Any] = {
        "status": {"code": code, "description": description},
        "dateCreated": iso(session.created),
        "dateUpdated": iso(session.updated),
        "validUntil": iso(session.valid_until),
        "invoiceCount": len(session.invoices),
        "successfulInvoiceCount": ok,
        "failedInvoiceCount": failed,
    }
    if session.upo_pages:
        body["upo"] = {
            "pages": [
                {
                    "referenceNumber": ref,
                    "downloadUrl": _storage_url(call, call.state.upos[ref].download_id),
                    "downloadUrlExpirationDate": iso(call.state.upos[ref].expires),
                }
                for ref in session.upo_pages
            ]
        }
    return json_response(body)


def _storage_url(call: Call, download_id: str) -> str:
    return f"{call.root_url()}/storage/upo/{download_id}"


def _invoice_json(call: Call, inv: SessionInvoice, now: datetime) -> dict[str, Any]:
    state = call.state
    code, description = inv.status_code, inv.status_description
    if code < 200:
        halfway = inv.received + (inv.due - inv.received) / 2
        code = 100 if now < halfway else 150
        description = _DESCRIPTIONS[code]
    status: dict[str, Any] = {"code": code, "description": description}
    if inv.status_details:
        status["details"] = inv.status_details
    if inv.extensions:
        status["extensions"] = inv.extensions
    body: dict[str, Any] = {
        "ordinalNumber": inv.ordinal,
        "referenceNumber": inv.reference_number,
        "invoiceHash": inv.invoice_hash,
        "invoicingDate": iso(inv.received),
        "status": status,
    }
    if inv.invoice_number:
        body["invoiceNumber"] = inv.invoice_number
    stored = state.invoices.get(inv.ksef_number) if inv.ksef_number else None
    if stored is not None:
        body["ksefNumber"] = stored.ksef_number
        body["acquisitionDate"] = iso(stored.acquisition_date)
        body["invoicingMode"] = stored.invoicing_mode
        if stored.permanent_storage_date <= now:
            body["permanentStorageDate"] = iso(stored.permanent_storage_date)
    if inv.upo_id and inv.upo_id in state.upos:
        doc = state.upos[inv.upo_id]
        body["upoDownloadUrl"] = _storage_url(call, doc.download_id)
        body["upoDownloadUrlExpirationDate"] = iso(doc.expires)
    return body


def _find_invoice(session: OnlineSession, ref: str) -> SessionInvoice:
    for inv in session.invoices:
        if inv.reference_number == ref:
            return inv
    raise bad_request(
        21405, "Nie znaleziono faktury.", f"Faktura {ref} nie istnieje w sesji {session.reference_number}."
    )


def invoice_status(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}``; an accepted invoice with
    discouraged characters carries ``X-System-Warning: [xml-002]: ...`` (UNCONFIRMED which answers KSeF
    puts it on: its text names the KSeF number, so it is given once the number exists)."""
    session = _session(call)
    inv = _find_invoice(session, call.param("invoiceReferenceNumber"))
    response = json_response(_invoice_json(call, inv, utcnow()))
    stored = call.state.invoices.get(inv.ksef_number) if inv.ksef_number else None
    if stored is not None and discouraged_in(stored.xml):
        add_system_warning(response, discouraged_warning(stored.ksef_number))
    return response


def discouraged_warning(ksef_number: str) -> str:
    """The xml-002 warning as production words it (ASCII-folded; CIRFMF/ksef-api #843)."""
    return (f"[xml-002]: Faktura o numerze KSeF {ksef_number} zawiera niedozwolone znaki Unicode, "
            "ktore po 16.07.2026 beda odrzucane")


def _list(call: Call, failed_only: bool) -> Response:
    session, now = _session(call), utcnow()
    try:
        size = int(call.request.query_params.get("pageSize", "10"))
    except ValueError:
        size = -1
    if not 10 <= size <= 1000:
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", "pageSize musi być z zakresu 10..1000."
        )
    start = continuation_offset(call)
    items = [i for i in session.invoices if not failed_only or i.status_code > 200]
    page = items[start : start + size]
    body: dict[str, Any] = {"invoices": [_invoice_json(call, i, now) for i in page]}
    if start + size < len(items):
        body["continuationToken"] = f"off:{start + size}"
    return json_response(body)


def list_invoices(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/invoices``."""
    return _list(call, failed_only=False)


def list_failed(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/invoices/failed``."""
    return _list(call, failed_only=True)


_COMMON_STATUS = {
    100: "InProgress",
    170: "InProgress",
    200: "Succeeded",
    415: "Failed",
    445: "Failed",
    440: "Cancelled",
}


def _optional_date(call: Call, name: str) -> datetime | None:
    value = call.request.query_params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", f"{name}: niepoprawna data.") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WARSAW)


def list_sessions(call: Call) -> Response:
    """``GET /sessions?sessionType=Online``: the context's sessions, newest first, with filters."""
    params, nip, now = call.request.query_params, call.require_auth().nip, utcnow()
    kind = params.get("sessionType")
    if kind not in ("Online", "Batch"):
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", "sessionType: Online albo Batch.")
    try:
        size = int(params.get("pageSize", "10"))
    except ValueError:
        size = -1
    if not 10 <= size <= 1000:
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", "pageSize musi być z zakresu 10..1000."
        )
    wanted = set(params.getlist("statuses"))
    bounds = {
        name: _optional_date(call, name)
        for name in (
            "dateCreatedFrom",
            "dateCreatedTo",
            "dateClosedFrom",
            "dateClosedTo",
            "dateModifiedFrom",
            "dateModifiedTo",
        )
    }
    items: list[dict[str, Any]] = []
    sessions = (
        []
        if kind == "Batch"
        else sorted(
            (x for x in call.state.sessions.values() if x.nip == nip), key=lambda x: x.created, reverse=True
        )
    )
    for session in sessions:
        code, description = _session_code(call.state, session, now)
        closed = session.closed_at or (session.valid_until if now >= session.valid_until else None)
        checks = [
            (session.created, bounds["dateCreatedFrom"], bounds["dateCreatedTo"]),
            (closed, bounds["dateClosedFrom"], bounds["dateClosedTo"]),
            (session.updated, bounds["dateModifiedFrom"], bounds["dateModifiedTo"]),
        ]
        if any(
            (lo or hi) and (value is None or (lo and value < lo) or (hi and value > hi))
            for value, lo, hi in checks
        ):
            continue
        if params.get("referenceNumber") and session.reference_number != params["referenceNumber"]:
            continue
        if wanted and _COMMON_STATUS.get(code) not in wanted:
            continue
        items.append(
            {
                "referenceNumber": session.reference_number,
                "status": {"code": code, "description": description},
                "dateCreated": iso(session.created),
                "dateUpdated": iso(session.updated),
                "validUntil": iso(session.valid_until),
                "totalInvoiceCount": len(session.invoices),
                "successfulInvoiceCount": sum(1 for i in session.invoices if i.status_code == 200),
                "failedInvoiceCount": sum(1 for i in session.invoices if i.status_code > 200),
            }
        )
    start = continuation_offset(call)
    body: dict[str, Any] = {"sessions": items[start : start + size]}
    if start + size < len(items):
        body["continuationToken"] = f"off:{start + size}"
    return json_response(body)


# --- UPO downloads ------------------------------------------------------------------------------
def _xml(data: bytes) -> Response:
    return Response(data, media_type="application/xml", headers={"x-ms-meta-hash": sha256_b64(data)})


def _no_upo(what: str) -> Exception:
    return bad_request(21178, "Nie znaleziono UPO.", what)


def upo_by_reference(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo``."""
    inv = _find_invoice(_session(call), call.param("invoiceReferenceNumber"))
    if not inv.upo_id:
        raise _no_upo("Faktura nie została jeszcze przyjęta.")
    return _xml(call.state.upos[inv.upo_id].xml)


def upo_by_ksef_number(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo``."""
    session = _session(call)
    number = call.param("ksefNumber")
    for inv in session.invoices:
        if inv.ksef_number == number and inv.upo_id:
            return _xml(call.state.upos[inv.upo_id].xml)
    raise _no_upo(f"Brak UPO dla faktury {number} w tej sesji.")


def session_upo(call: Call) -> Response:
    """``GET /sessions/{referenceNumber}/upo/{upoReferenceNumber}``."""
    session = _session(call)
    _session_code(call.state, session, utcnow())
    ref = call.param("upoReferenceNumber")
    if ref not in session.upo_pages:
        raise _no_upo(f"UPO {ref} nie istnieje dla tej sesji.")
    return _xml(call.state.upos[ref].xml)


def storage_routes(state: SimState) -> list[BaseRoute]:
    """Pre-signed UPO download URLs: no Authorization, no rate limit, expiring."""

    async def download(request: Request) -> Response:
        wanted = str(request.path_params["downloadId"])
        with state.lock:
            for doc in state.upos.values():
                if secrets.compare_digest(doc.download_id.encode(), wanted.encode()):
                    if doc.expires <= utcnow():
                        return PlainTextResponse("Link wygasł.", status_code=403)
                    return _xml(doc.xml)
        return PlainTextResponse("Nie znaleziono.", status_code=404)

    return [Route("/storage/upo/{downloadId}", download, methods=["GET"])]


ROUTES = [
    ApiRoute("GET", "/sessions", list_sessions, permission="InvoiceWrite"),
    ApiRoute("POST", "/sessions/online", open_session, permission="InvoiceWrite"),
    ApiRoute("POST", "/sessions/online/{referenceNumber}/invoices", send_invoice, permission="InvoiceWrite"),
    ApiRoute("POST", "/sessions/online/{referenceNumber}/close", close_session, permission="InvoiceWrite"),
    ApiRoute("GET", "/sessions/{referenceNumber}", session_status, permission="InvoiceWrite"),
    ApiRoute("GET", "/sessions/{referenceNumber}/invoices", list_invoices, permission="InvoiceWrite"),
    ApiRoute("GET", "/sessions/{referenceNumber}/invoices/failed", list_failed, permission="InvoiceWrite"),
    ApiRoute(
        "GET",
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}",
        invoice_status,
        permission="InvoiceWrite",
    ),
    ApiRoute(
        "GET",
        "/sessions/{referenceNumber}/invoices/{invoiceReferenceNumber}/upo",
        upo_by_reference,
        permission="InvoiceWrite",
    ),
    ApiRoute(
        "GET",
        "/sessions/{referenceNumber}/invoices/ksef/{ksefNumber}/upo",
        upo_by_ksef_number,
        permission="InvoiceWrite",
    ),
    ApiRoute(
        "GET", "/sessions/{referenceNumber}/upo/{upoReferenceNumber}", session_upo, permission="InvoiceWrite"
    ),
]
