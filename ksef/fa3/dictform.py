"""JSON-able dict form of an :class:`Invoice` (CLI input files, the bot's drafts).

Shape (keys with ``null`` may be left out; see ``tests/data/invoices/*.json``)::

    {
      "number": "FV/1/02/2026", "issue_date": "2026-02-02", "sale_date": "2026-01-31",
      "issue_place": "Warszawa", "currency": "PLN", "prices": "net" | "gross",
      "exchange_rate": null, "exemption_basis": null, "notes": ["..."],
      "seller": {"nip": "5265877635", "name": "...", "address": ["ul. ...", "00-001 Warszawa"],
                 "country": "PL", "email": null, "phone": null, "vat_exempt": false},
      "buyer": {"name": "...", "nip": "7352765225" | "eu_code": "DE", "eu_vat": "123456789" |
                "other_id": "...", "other_id_country": "US" | (none of them: a consumer),
                "address": [...], "country": "PL", "email": null, "phone": null},
      "lines": [{"name": "...", "quantity": "1", "unit": "szt.", "unit_price": "1000.00", "vat_rate": "23"}],
      "payment": {"method": "transfer", "due_date": "2026-02-16", "bank_account": "61 1090 ...",
                  "paid": false, "paid_date": null, "due_days": null}
    }

Added later, all optional: ``"exemption_basis_kind": "P_19A" | "P_19B" | "P_19C"``,
``"sale_period": {"from": "2026-11-01", "to": "2026-11-30"}``, ``"split_payment": false``,
``"reverse_charge": null | true | false``, ``"exchange_rate_table": "236/A/NBP/2026"``,
``"exchange_rate_date": "2026-12-04"``; in ``payment``: ``"due_days": 14`` (instead of ``due_date``).

Amounts and quantities are strings (``"1 234,50"`` is accepted too) or integers; dates are ISO
``YYYY-MM-DD``. Unknown keys are rejected so that typos do not silently drop data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from ksef.amounts import parse_amount, parse_quantity
from ksef.errors import AmountError, InvoiceDataError
from ksef.fa3.model import (
    Buyer,
    ExemptionBasis,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    Seller,
    VatRate,
)

_INVOICE_KEYS = {"number", "issue_date", "sale_date", "issue_place", "currency", "prices", "exchange_rate",
                 "exemption_basis", "notes", "seller", "buyer", "lines", "payment"}
_INVOICE_KEYS |= {"exemption_basis_kind", "sale_period", "split_payment", "reverse_charge",
                  "exchange_rate_table", "exchange_rate_date"}
_SELLER_KEYS = {"nip", "name", "address", "country", "email", "phone", "vat_exempt"}
_BUYER_KEYS = {"name", "nip", "eu_code", "eu_vat", "other_id", "other_id_country", "address", "country",
               "email", "phone"}
_LINE_KEYS = {"name", "quantity", "unit", "unit_price", "vat_rate"}
_PAYMENT_KEYS = {"method", "due_date", "bank_account", "paid", "paid_date", "due_days"}


def _mapping(path: str, value: Any, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvoiceDataError(path or "invoice", f"„{path or 'faktura'}” musi być obiektem JSON.")
    unknown = sorted(set(value) - allowed)
    if unknown:
        where = f" w „{path}”" if path else ""
        raise InvoiceDataError(f"{path}.{unknown[0]}".lstrip("."), f"Nieznane pole „{unknown[0]}”{where}.")
    return value


def _str(path: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvoiceDataError(path, f"Pole „{path}” musi być tekstem.")
    return value


def _required(path: str, value: Any) -> Any:
    if value is None:
        raise InvoiceDataError(path, f"Brakuje pola „{path}”.")
    return value


def _date(path: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvoiceDataError(path, f"„{value}” to nie jest data w formacie RRRR-MM-DD ({path}).") from None


def _number(path: str, value: Any, *, quantity: bool = False, max_decimals: int = 8) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise InvoiceDataError(path, f"Pole „{path}” musi być liczbą.")
    if isinstance(value, Decimal):
        return value
    # floats come from hand-written JSON ("1.5"); str() gives their shortest exact decimal form.
    text = str(value) if isinstance(value, int | float) else value
    if not isinstance(text, str):
        raise InvoiceDataError(path, f"Pole „{path}” musi być liczbą.")
    try:
        return parse_quantity(text) if quantity else parse_amount(text, max_decimals=max_decimals)
    except AmountError as exc:
        raise InvoiceDataError(path, str(exc)) from exc


def _bool(path: str, value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvoiceDataError(path, f"Pole „{path}” musi mieć wartość true albo false.")
    return value


def _address(path: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvoiceDataError(path, f"„{path}” musi być listą linii adresu.")
    return tuple(value)


def _seller(d: Any) -> Seller:
    m = _mapping("seller", d, _SELLER_KEYS)
    return Seller(
        nip=_required("seller.nip", _str("seller.nip", m.get("nip"))),
        name=_required("seller.name", _str("seller.name", m.get("name"))),
        address=_address("seller.address", m.get("address")),
        country=_str("seller.country", m.get("country")) or "PL",
        email=_str("seller.email", m.get("email")),
        phone=_str("seller.phone", m.get("phone")),
        vat_exempt=_bool("seller.vat_exempt", m.get("vat_exempt")),
    )


def _buyer(d: Any) -> Buyer:
    m = _mapping("buyer", d, _BUYER_KEYS)
    return Buyer(
        name=_required("buyer.name", _str("buyer.name", m.get("name"))),
        nip=_str("buyer.nip", m.get("nip")),
        eu_code=_str("buyer.eu_code", m.get("eu_code")),
        eu_vat=_str("buyer.eu_vat", m.get("eu_vat")),
        other_id=_str("buyer.other_id", m.get("other_id")),
        other_id_country=_str("buyer.other_id_country", m.get("other_id_country")),
        address=_address("buyer.address", m.get("address")),
        country=_str("buyer.country", m.get("country")) or "PL",
        email=_str("buyer.email", m.get("email")),
        phone=_str("buyer.phone", m.get("phone")),
    )


def _line(index: int, d: Any) -> InvoiceLine:
    path = f"lines[{index}]"
    m = _mapping(path, d, _LINE_KEYS)
    rate_text = _required(f"{path}.vat_rate", m.get("vat_rate"))
    try:
        rate = VatRate.parse(str(rate_text))
    except InvoiceDataError as exc:
        raise InvoiceDataError(f"{path}.vat_rate", f"Pozycja {index}: {exc.message}") from exc
    return InvoiceLine(
        name=_required(f"{path}.name", _str(f"{path}.name", m.get("name"))),
        quantity=_number(f"{path}.quantity", m.get("quantity", "1"), quantity=True),
        unit_price=_number(f"{path}.unit_price", _required(f"{path}.unit_price", m.get("unit_price"))),
        vat_rate=rate,
        unit=_str(f"{path}.unit", m.get("unit")),
    )


def _payment(d: Any) -> Payment | None:
    if d is None:
        return None
    m = _mapping("payment", d, _PAYMENT_KEYS)
    method = m.get("method")
    return Payment(
        method=PaymentMethod.parse(str(method)) if method is not None else None,
        due_date=_date("payment.due_date", m.get("due_date")),
        bank_account=_str("payment.bank_account", m.get("bank_account")),
        paid=_bool("payment.paid", m.get("paid")),
        paid_date=_date("payment.paid_date", m.get("paid_date")),
        due_days=_int("payment.due_days", m.get("due_days")),
    )


def _int(path: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvoiceDataError(path, f"Pole „{path}” musi być liczbą całkowitą.")
    return value


def _optional_bool(path: str, value: Any) -> bool | None:
    return None if value is None else _bool(path, value)


def _period(value: Any) -> tuple[date, date] | None:
    if value is None:
        return None
    m = _mapping("sale_period", value, {"from", "to"})
    start = _required("sale_period.from", _date("sale_period.from", m.get("from")))
    end = _required("sale_period.to", _date("sale_period.to", m.get("to")))
    return start, end


def _cases(m: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :class:`Invoice` for the keys added later (absent keys: the defaults)."""
    kind = _str("exemption_basis_kind", m.get("exemption_basis_kind"))
    if kind is not None and kind not in {k.value for k in ExemptionBasis}:
        raise InvoiceDataError("exemption_basis_kind", "„exemption_basis_kind” to P_19A, P_19B albo P_19C.")
    return {
        "exemption_basis_kind": ExemptionBasis(kind) if kind else ExemptionBasis.ACT,
        "sale_period": _period(m.get("sale_period")),
        "split_payment": _bool("split_payment", m.get("split_payment")),
        "reverse_charge": _optional_bool("reverse_charge", m.get("reverse_charge")),
        "exchange_rate_table": _str("exchange_rate_table", m.get("exchange_rate_table")),
        "exchange_rate_date": _date("exchange_rate_date", m.get("exchange_rate_date")),
    }


def invoice_from_dict(d: Mapping[str, Any]) -> Invoice:
    """Build and validate an :class:`Invoice` from its dict form; raises :class:`InvoiceDataError`."""
    m = _mapping("", d, _INVOICE_KEYS)
    lines_value = _required("lines", m.get("lines"))
    if not isinstance(lines_value, list):
        raise InvoiceDataError("lines", "„lines” musi być listą pozycji faktury.")
    prices = m.get("prices", "net") or "net"
    if prices not in ("net", "gross"):
        raise InvoiceDataError("prices", "„prices” musi mieć wartość „net” albo „gross”.")
    notes = m.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
        raise InvoiceDataError("notes", "„notes” musi być listą tekstów.")
    rate = m.get("exchange_rate")
    return Invoice(
        seller=_seller(m.get("seller")),
        buyer=_buyer(m.get("buyer")),
        number=_required("number", _str("number", m.get("number"))),
        issue_date=_required("issue_date", _date("issue_date", m.get("issue_date"))),
        lines=tuple(_line(i, line) for i, line in enumerate(lines_value, start=1)),
        sale_date=_date("sale_date", m.get("sale_date")),
        issue_place=_str("issue_place", m.get("issue_place")),
        currency=_str("currency", m.get("currency")) or "PLN",
        prices_gross=prices == "gross",
        payment=_payment(m.get("payment")),
        notes=tuple(notes),
        exemption_basis=_str("exemption_basis", m.get("exemption_basis")),
        exchange_rate=_number("exchange_rate", rate, max_decimals=6) if rate is not None else None,
        **_cases(m),
    )


def _dec(value: Decimal) -> str:
    return f"{value:f}"


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def invoice_to_dict(invoice: Invoice) -> dict[str, Any]:
    """The dict form of ``invoice`` (JSON-serialisable; ``invoice_from_dict`` reads it back equal)."""
    s, b, p = invoice.seller, invoice.buyer, invoice.payment
    return _drop_none({
        "number": invoice.number,
        "issue_date": invoice.issue_date.isoformat(),
        "sale_date": invoice.sale_date.isoformat() if invoice.sale_date else None,
        "issue_place": invoice.issue_place,
        "currency": invoice.currency,
        "prices": "gross" if invoice.prices_gross else "net",
        "exchange_rate": _dec(invoice.exchange_rate) if invoice.exchange_rate is not None else None,
        "exemption_basis": invoice.exemption_basis,
        "notes": list(invoice.notes),
        "seller": _drop_none({
            "nip": s.nip, "name": s.name, "address": list(s.address), "country": s.country,
            "email": s.email, "phone": s.phone, "vat_exempt": s.vat_exempt,
        }),
        "buyer": _drop_none({
            "name": b.name, "nip": b.nip, "eu_code": b.eu_code, "eu_vat": b.eu_vat, "other_id": b.other_id,
            "other_id_country": b.other_id_country, "address": list(b.address), "country": b.country,
            "email": b.email, "phone": b.phone,
        }),
        "lines": [
            _drop_none({"name": line.name, "quantity": _dec(line.quantity), "unit": line.unit,
                        "unit_price": _dec(line.unit_price), "vat_rate": line.vat_rate.value})
            for line in invoice.lines
        ],
        "payment": _drop_none({
            "method": p.method.name.lower() if p.method else None,
            "due_date": p.due_date.isoformat() if p.due_date else None,
            "bank_account": p.bank_account, "paid": p.paid,
            "paid_date": p.paid_date.isoformat() if p.paid_date else None,
            "due_days": p.due_days,
        }) if p is not None else None,
        **_cases_to_dict(invoice),
    })


def _cases_to_dict(invoice: Invoice) -> dict[str, Any]:
    period = invoice.sale_period
    return _drop_none({
        "exemption_basis_kind": invoice.exemption_basis_kind.value if invoice.exemption_basis else None,
        "sale_period": {"from": period[0].isoformat(), "to": period[1].isoformat()} if period else None,
        "split_payment": invoice.split_payment or None,
        "reverse_charge": invoice.reverse_charge,
        "exchange_rate_table": invoice.exchange_rate_table,
        "exchange_rate_date": invoice.exchange_rate_date.isoformat() if invoice.exchange_rate_date else None,
    })
