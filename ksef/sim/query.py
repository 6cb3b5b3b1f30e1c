"""Invoices in the repository: ``POST /invoices/query/metadata``, ``GET /invoices/ksef/{ksefNumber}``."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from starlette.responses import Response

from ksef.crypto import sha256_b64
from ksef.daterange import MAX_QUERY_RANGE
from ksef.sim.errors import bad_request
from ksef.sim.routing import ApiRoute, Call, json_response
from ksef.sim.state import WARSAW, StoredInvoice, iso, utcnow

_VALIDATION = "Błąd walidacji danych wejściowych."
MAX_RANGE = MAX_QUERY_RANGE
_DATE_FIELD = {"Issue": "issue", "Invoicing": "invoicing_date", "PermanentStorage": "permanent_storage_date"}


def _parse(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", f"{name}: niepoprawna data {value!r}."
        ) from exc
    if parsed.tzinfo is None:
        # Offset-less dates are documented as Polish time (users report UTC, CIRFMF/ksef-api #709); we
        # follow the docs.
        parsed = parsed.replace(tzinfo=WARSAW)
    return parsed


def _sort_key(inv: StoredInvoice, date_type: str) -> tuple[Any, str]:
    if date_type == "Issue":
        return (inv.issue_date, inv.ksef_number)
    if date_type == "Invoicing":
        return (inv.invoicing_date, inv.ksef_number)
    return (inv.permanent_storage_date, inv.ksef_number)


def _issue_moment(inv: StoredInvoice) -> datetime:
    return datetime.combine(date.fromisoformat(inv.issue_date), time(0), tzinfo=WARSAW)


def metadata(inv: StoredInvoice) -> dict[str, Any]:
    """``InvoiceMetadata`` per the OpenAPI schema."""
    body: dict[str, Any] = {
        "ksefNumber": inv.ksef_number,
        "invoiceNumber": inv.invoice_number,
        "issueDate": inv.issue_date,
        "invoicingDate": iso(inv.invoicing_date),
        "acquisitionDate": iso(inv.acquisition_date),
        "permanentStorageDate": iso(inv.permanent_storage_date),
        "seller": {"nip": inv.seller_nip, "name": inv.seller_name},
        "buyer": {"identifier": {"type": inv.buyer_type, "value": inv.buyer_id}, "name": inv.buyer_name},
        "netAmount": inv.net_amount,
        "grossAmount": inv.gross_amount,
        "vatAmount": inv.vat_amount,
        "currency": inv.currency,
        "invoicingMode": inv.invoicing_mode,
        "invoiceType": inv.invoice_type,
        "formCode": {"systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA"},
        "isSelfInvoicing": inv.is_self_invoicing,
        "hasAttachment": inv.has_attachment,
        "invoiceHash": inv.invoice_hash,
    }
    if inv.hash_of_corrected:
        body["hashOfCorrectedInvoice"] = inv.hash_of_corrected
    return body


def _matches(inv: StoredInvoice, f: dict[str, Any], nip: str) -> bool:
    subject = f["subjectType"]
    if subject == "Subject1" and inv.seller_nip != nip:
        return False
    if subject == "Subject2" and not (inv.buyer_type == "Nip" and inv.buyer_id == nip):
        return False
    if subject in ("Subject3", "SubjectAuthorized"):
        return False  # the simulator stores no third subjects
    if f.get("ksefNumber") and inv.ksef_number != f["ksefNumber"]:
        return False
    if f.get("invoiceNumber") and f["invoiceNumber"] not in inv.invoice_number:
        return False
    if f.get("sellerNip") and inv.seller_nip != f["sellerNip"]:
        return False
    buyer = f.get("buyerIdentifier")
    if buyer and (
        inv.buyer_type != buyer.get("type") or (buyer.get("value") and inv.buyer_id != buyer["value"])
    ):
        return False
    amount = f.get("amount")
    if amount:
        value = {"Brutto": inv.gross_amount, "Netto": inv.net_amount, "Vat": inv.vat_amount}[amount["type"]]
        if amount.get("from") is not None and value < amount["from"]:
            return False
        if amount.get("to") is not None and value > amount["to"]:
            return False
    if f.get("currencyCodes") and inv.currency not in f["currencyCodes"]:
        return False
    if f.get("invoicingMode") and inv.invoicing_mode != f["invoicingMode"]:
        return False
    if f.get("isSelfInvoicing") is not None and inv.is_self_invoicing != f["isSelfInvoicing"]:
        return False
    if f.get("formType") and f["formType"] != "FA":
        return False
    if f.get("invoiceTypes") and inv.invoice_type not in f["invoiceTypes"]:
        return False
    return not (f.get("hasAttachment") is not None and inv.has_attachment != f["hasAttachment"])


def query_metadata(call: Call) -> Response:
    """``POST /invoices/query/metadata``: filters, HWM, 100-day range, cap with ``isTruncated``, paging."""
    state, f, auth = call.state, call.json or {}, call.require_auth()
    params = call.request.query_params
    try:
        offset = int(params.get("pageOffset", "0"))
        size = int(params.get("pageSize", "10"))
    except ValueError as exc:
        raise bad_request(
            21405, "Błąd walidacji danych wejściowych.", "pageOffset/pageSize muszą być liczbami."
        ) from exc
    if offset < 0 or not 10 <= size <= 250:
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", "pageSize 10..250, pageOffset >= 0.")
    order = params.get("sortOrder", "Asc")
    if order not in ("Asc", "Desc"):
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", "sortOrder: Asc albo Desc.")
    if "subjectType" not in f or "dateRange" not in f:
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", "Wymagane: subjectType i dateRange.")
    dr = f["dateRange"]
    date_type = dr.get("dateType")
    if date_type not in _DATE_FIELD:
        raise bad_request(21405, "Błąd walidacji danych wejściowych.", "dateRange.dateType niepoprawny.")
    now = utcnow()
    start = _parse(dr["from"], "dateRange.from")
    end = _parse(dr["to"], "dateRange.to") if dr.get("to") else now
    if start > end:
        raise bad_request(
            21405, _VALIDATION, "'dateRange.to' must be greater than or equal to 'dateRange.from'."
        )
    if end - start > MAX_RANGE:
        # 2.7.1: at most 100 days counted in UTC; instants compared (aware datetimes), the stricter of
        # the two readings of "calendar dates in UTC" (see ksef/daterange.py)
        raise bad_request(21405, _VALIDATION, "'dateRange' must not exceed 100 days.")
    hwm: datetime | None = None
    if date_type == "PermanentStorage":
        hwm = state.report_hwm(now)
        if dr.get("restrictToPermanentStorageHwmDate"):
            if start > hwm:
                raise bad_request(
                    21183,
                    "Zakres dat wykracza poza HWM.",
                    f"dateRange.from jest późniejsza niż permanentStorageHwmDate {iso(hwm)}.",
                )
            end = min(end, hwm)
    selected: list[StoredInvoice] = []
    for inv in state.invoices.values():
        if inv.permanent_storage_date > now and date_type == "PermanentStorage":
            continue  # not durably stored yet
        if inv.acquisition_date > now:
            continue
        if date_type == "Issue":
            moment = _issue_moment(inv)
            if not (start.astimezone(WARSAW).date() <= moment.date() <= end.astimezone(WARSAW).date()):
                continue
        else:
            moment = getattr(inv, _DATE_FIELD[date_type])
            if not start <= moment <= end:
                continue
        if _matches(inv, f, auth.nip):
            selected.append(inv)
    selected.sort(key=lambda i: _sort_key(i, date_type), reverse=order == "Desc")
    cap = state.config.query_cap
    truncated_total = len(selected) > cap
    capped = selected[:cap]
    page = capped[offset * size : (offset + 1) * size]
    reaches_end = (offset + 1) * size >= len(capped)
    is_truncated = truncated_total and reaches_end
    body: dict[str, Any] = {
        "hasMore": (not reaches_end) or is_truncated,
        "isTruncated": is_truncated,
        "invoices": [metadata(i) for i in page],
    }
    if hwm is not None:
        body["permanentStorageHwmDate"] = iso(hwm)
    return json_response(body)


def download(call: Call) -> Response:
    """``GET /invoices/ksef/{ksefNumber}``: the exact stored bytes."""
    number, nip = call.param("ksefNumber"), call.require_auth().nip
    inv = call.state.invoices.get(number)
    if inv is None or nip not in (inv.seller_nip, inv.buyer_id if inv.buyer_type == "Nip" else None):
        raise bad_request(21164, "Faktura o podanym identyfikatorze nie istnieje.", f"Brak faktury {number}.")
    if inv.permanent_storage_date > utcnow():
        raise bad_request(
            21165, "Faktura o podanym numerze KSeF nie jest jeszcze dostępna.", "Spróbuj później."
        )
    return Response(inv.xml, media_type="application/xml", headers={"x-ms-meta-hash": sha256_b64(inv.xml)})


ROUTES = [
    ApiRoute("POST", "/invoices/query/metadata", query_metadata, permission="InvoiceRead"),
    ApiRoute("GET", "/invoices/ksef/{ksefNumber}", download, permission="InvoiceRead"),
]
