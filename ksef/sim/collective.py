"""Collective identifiers (IZ, KSeF API 2.7.0 / 2.8.1, docs/ksef.md#collective-identifiers): create,
query, look up by KSeF number, list invoices (the POST form).

Choices where the 2.9.0 contract is silent (UNCONFIRMED, safe readings):
- a context sees an invoice (to put it in an IZ, or to look its IZs up) when it is its seller or its
  buyer; an invoice it cannot see is 71001 "does not exist", like KSeF's download answers 21164;
- more invoices than the context limit (500 by default) is 400 / 21405: the spec lists no own code;
- the year and month in the number are those of the creation in Europe/Warsaw, like the date of a
  KSeF number; the NIP is the seller's (schema ``GenerateCollectiveIdentifierResponse``);
- the 132-IZs-per-invoice limit counts the IZs created in the calling context (schema
  ``CollectiveIdentifierInvoice``: "w ramach jednego kontekstu");
- an unknown IZ number in ``POST /collective-identifiers/invoices`` lists nothing (no error code is
  documented for it); the lookup of an invoice the context cannot see lists nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from starlette.responses import Response

from ksef.identifiers import ksef_number_is_valid, make_collective_id
from ksef.sim.errors import bad_request
from ksef.sim.routing import ApiRoute, Call, continuation_offset, json_response, page_size
from ksef.sim.state import WARSAW, CollectiveId, CollectiveIdInvoice, SimState, StoredInvoice, iso, utcnow

MAX_IZ_PER_INVOICE = 132        # per context (schema CollectiveIdentifierInvoice)
MAX_NUMBERS_PER_LIST = 10       # collectiveIdentifierNumbers in POST /collective-identifiers/invoices
MAX_QUERY_RANGE = timedelta(days=100)
PERMISSIONS = ("InvoiceRead", "InvoiceWrite", "CollectiveIdentifierManage")
_VALIDATION = "Błąd walidacji danych wejściowych."


def _visible(inv: StoredInvoice, nip: str) -> bool:
    return inv.seller_nip == nip or (inv.buyer_type == "Nip" and inv.buyer_id == nip)


def create(call: Call) -> Response:
    """``POST /collective-identifiers`` → 201 ``{"collectiveIdentifierNumber"}``."""
    state, nip = call.state, call.require_auth().nip
    items: list[dict[str, Any]] = list((call.json or {}).get("invoices") or [])
    limit = state.config.collective_identifier_max_invoices
    if len(items) > limit:
        raise bad_request(21405, _VALIDATION,
                          f"Identyfikator zbiorczy może obejmować najwyżej {limit} faktur, "
                          f"przesłano {len(items)}.")
    numbers = [str(item.get("ksefNumber")) for item in items]
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        raise bad_request(71005, "Powtórzony numer KSeF w żądaniu.",
                      *[f"Powtórzony numer KSeF {n}." for n in repeated])
    missing = [n for n in numbers if (inv := state.invoices.get(n)) is None or not _visible(inv, nip)]
    if missing:
        raise bad_request(71001, "Faktura o podanym identyfikatorze nie istnieje.",
                      *[f"Faktura o numerze KSeF {n} nie została znaleziona." for n in missing])
    seller = state.invoices[numbers[0]].seller_nip
    others = [n for n in numbers if state.invoices[n].seller_nip != seller]
    if others:
        raise bad_request(71004, "Faktury mają różnych sprzedawców.",
                      *[f"Faktura o numerze KSeF {n} ma innego sprzedawcę." for n in others])
    full = [n for n in numbers if _count_in_context(state, n, nip) >= MAX_IZ_PER_INVOICE]
    if full:
        raise bad_request(71002,
                          "Faktura jest już przypisana do maksymalnej liczby Identyfikatorów Zbiorczych.",
                      *[f"Faktura o numerze KSeF {n} jest już przypisana do maksymalnej liczby "
                       "Identyfikatorów Zbiorczych." for n in full])
    now = utcnow()
    number = _new_number(state, seller, now)
    state.collective_ids[number] = CollectiveId(number, nip, seller, now, [_invoice(item) for item in items])
    state.mark_dirty()
    return json_response({"collectiveIdentifierNumber": number}, 201)


def _invoice(item: dict[str, Any]) -> CollectiveIdInvoice:
    payment = item.get("payment") if isinstance(item.get("payment"), dict) else None
    return CollectiveIdInvoice(
        ksef_number=str(item["ksefNumber"]),
        amount=float(payment["amount"]) if payment else None,
        currency=str(payment["currency"]) if payment else None,
        description=item.get("description") if isinstance(item.get("description"), str) else None,
    )


def _count_in_context(state: SimState, ksef_number: str, nip: str) -> int:
    return sum(1 for iz in state.collective_ids.values()
               if iz.context_nip == nip and any(i.ksef_number == ksef_number for i in iz.invoices))


def _new_number(state: SimState, seller: str, now: datetime) -> str:
    month = now.astimezone(WARSAW).strftime("%Y%m")
    while True:
        number = make_collective_id(seller, month, secrets.token_hex(6))
        if number not in state.collective_ids:
            return number


def _date(value: Any, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(21405, _VALIDATION, f"{name}: niepoprawna data {value!r}.") from exc
    # offset-less dates: Polish time, as documented for the invoice query (clients send offsets)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=WARSAW)


def _newest_first(items: list[CollectiveId]) -> list[CollectiveId]:
    return sorted(items, key=lambda iz: (iz.created, iz.number), reverse=True)


def _page(call: Call, items: list[Any], size: int, key: str, render: Any) -> Response:
    start = continuation_offset(call)
    body: dict[str, Any] = {key: [render(i) for i in items[start:start + size]]}
    if start + size < len(items):
        body["continuationToken"] = f"off:{start + size}"
    return json_response(body)


def query(call: Call) -> Response:
    """``POST /collective-identifiers/query``: IZs created in the context or with it as seller."""
    state, nip, body = call.state, call.require_auth().nip, call.json or {}
    size = page_size(call, 10, 200)
    start, end = _date(body.get("dateCreatedFrom"), "dateCreatedFrom"), _date(body.get("dateCreatedTo"),
                                                                                "dateCreatedTo")
    if start > end:
        raise bad_request(21405, _VALIDATION,
                          "'dateCreatedTo' must be greater than or equal to 'dateCreatedFrom'.")
    if end - start > MAX_QUERY_RANGE:
        raise bad_request(21405, _VALIDATION, "'dateCreated' range must not exceed 100 days.")
    found = []
    for iz in state.collective_ids.values():
        mine = iz.context_nip == nip
        if not (mine or iz.seller_nip == nip) or not start <= iz.created <= end:
            continue
        if body.get("collectiveIdentifierNumber") and iz.number != body["collectiveIdentifierNumber"]:
            continue
        if body.get("invoiceCountFrom") is not None and len(iz.invoices) < body["invoiceCountFrom"]:
            continue
        if body.get("invoiceCountTo") is not None and len(iz.invoices) > body["invoiceCountTo"]:
            continue
        if body.get("createdInCurrentContext") is not None and mine != body["createdInCurrentContext"]:
            continue
        found.append(iz)
    return _page(call, _newest_first(found), size, "collectiveIdentifiers", lambda iz: {
        "collectiveIdentifierNumber": iz.number,
        "dateCreated": iso(iz.created),
        "invoiceCount": len(iz.invoices),
        "createdInCurrentContext": iz.context_nip == nip,
    })


def by_ksef_number(call: Call) -> Response:
    """``GET /collective-identifiers/ksef/{ksefNumber}``: the IZs an invoice the context sees is in."""
    state, nip, number = call.state, call.require_auth().nip, call.param("ksefNumber")
    size = page_size(call, 10, 200)
    if not ksef_number_is_valid(number):
        raise bad_request(21405, _VALIDATION, f"ksefNumber: niepoprawny numer KSeF {number!r}.")
    inv = state.invoices.get(number)
    found = [] if inv is None or not _visible(inv, nip) else [
        iz for iz in state.collective_ids.values() if any(i.ksef_number == number for i in iz.invoices)]
    return _page(call, _newest_first(found), size, "collectiveIdentifiers", lambda iz: {
        "collectiveIdentifierNumber": iz.number,
        "createdInCurrentContext": iz.context_nip == nip,
        "dateCreated": iso(iz.created),
    })


def invoices(call: Call) -> Response:
    """``POST /collective-identifiers/invoices``: the invoices of up to 10 IZs, KSeF number descending.
    Payment and description only for the IZ's creator and the invoice's subjects (``detailsHidden``)."""
    state, nip = call.state, call.require_auth().nip
    size = page_size(call, 10, 500)
    wanted = [str(n) for n in (call.json or {}).get("collectiveIdentifierNumbers") or []]
    if not wanted or len(wanted) > MAX_NUMBERS_PER_LIST:
        raise bad_request(21405, _VALIDATION,
                          f"collectiveIdentifierNumbers: od 1 do {MAX_NUMBERS_PER_LIST} numerów.")
    rows = [(iz, item) for n in dict.fromkeys(wanted) if (iz := state.collective_ids.get(n)) is not None
            for item in iz.invoices]
    rows.sort(key=lambda row: (row[1].ksef_number, row[0].number), reverse=True)

    def render(row: tuple[CollectiveId, CollectiveIdInvoice]) -> dict[str, Any]:
        iz, item = row
        inv = state.invoices.get(item.ksef_number)
        has_details = item.amount is not None or item.description is not None
        allowed = iz.context_nip == nip or (inv is not None and _visible(inv, nip))
        out: dict[str, Any] = {"ksefNumber": item.ksef_number, "collectiveIdentifierNumber": iz.number,
                               "detailsHidden": has_details and not allowed}
        if allowed and item.amount is not None:
            out["payment"] = {"amount": item.amount, "currency": item.currency}
        if allowed and item.description is not None:
            out["description"] = item.description
        return out

    return _page(call, rows, size, "invoices", render)


ROUTES = [
    ApiRoute("POST", "/collective-identifiers", create, permission=PERMISSIONS),
    ApiRoute("POST", "/collective-identifiers/query", query, permission=PERMISSIONS),
    ApiRoute("GET", "/collective-identifiers/ksef/{ksefNumber}", by_ksef_number, permission=PERMISSIONS),
    ApiRoute("POST", "/collective-identifiers/invoices", invoices, permission=PERMISSIONS),
]
