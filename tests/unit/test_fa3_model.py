"""ksef.fa3 model validation and the dict form: clear Polish errors naming the field."""

import json
import pickle
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ksef.errors import InvoiceDataError, KsefValidationError
from ksef.fa3 import (
    Buyer,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
    Seller,
    VatRate,
    invoice_from_dict,
    invoice_to_dict,
)
from ksef.identifiers import nip_is_valid

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "invoices"


def example(name: str = "vat-payer-services.json") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def rejected(data: dict[str, Any]) -> InvoiceDataError:
    with pytest.raises(InvoiceDataError) as info:
        invoice_from_dict(data)
    assert isinstance(info.value, KsefValidationError)
    return info.value


def test_no_lines() -> None:
    data = example()
    data["lines"] = []
    err = rejected(data)
    assert err.field == "lines" and "co najmniej jedną pozycję" in err.message


@pytest.mark.parametrize("quantity", ["0", "-1", 0, -2])
def test_zero_or_negative_quantity(quantity: object) -> None:
    data = example()
    data["lines"][1]["quantity"] = quantity
    err = rejected(data)
    assert err.field == "lines[2].quantity"
    assert "większa od zera" in err.message or "ujemna" in err.message


def test_negative_price() -> None:
    data = example()
    data["lines"][0]["unit_price"] = "-5"
    assert rejected(data).field == "lines[1].unit_price"


def test_bad_seller_nip_checksum() -> None:
    data = example()
    data["seller"]["nip"] = "5265877636"
    err = rejected(data)
    assert err.field == "seller.nip" and "NIP" in err.message


def test_nip_forbidden_by_xsd_pattern() -> None:
    """Checksum-valid but the XSD forbids 0 at both the 2nd and 3rd digit."""
    data = example()
    data["buyer"]["nip"] = "1000000006"
    assert nip_is_valid("1000000006")
    assert rejected(data).field == "buyer.nip"


def test_nip_is_normalised() -> None:
    data = example()
    data["seller"]["nip"] = "PL 526-587-76-35"
    assert invoice_from_dict(data).seller.nip == "5265877635"


def test_name_too_long_for_xsd() -> None:
    data = example()
    data["lines"][0]["name"] = "x" * 513
    err = rejected(data)
    assert err.field == "lines[1].name" and "512" in err.message
    data = example()
    data["seller"]["name"] = "y" * 513
    assert rejected(data).field == "seller.name"


def test_whitespace_is_collapsed_like_xsd_token() -> None:
    data = example()
    data["lines"][0]["name"] = "  Usługa\n\t  IT  "
    assert invoice_from_dict(data).lines[0].name == "Usługa IT"


def test_control_characters_rejected() -> None:
    data = example()
    data["buyer"]["name"] = "Klient\x00"
    err = rejected(data)
    assert err.field == "buyer.name" and "sterujące" in err.message


def test_exempt_seller_with_vat_rate() -> None:
    data = example("exempt-art113.json")
    data["lines"][0]["vat_rate"] = "23"
    err = rejected(data)
    assert err.field == "lines[1].vat_rate"
    assert "zw" in err.message and "113" in err.message


def test_zw_line_of_vat_payer_needs_basis() -> None:
    data = example()
    data["lines"][0]["vat_rate"] = "zw"
    assert rejected(data).field == "exemption_basis"
    data["exemption_basis"] = "art. 43 ust. 1 pkt 29 lit. c ustawy o VAT"
    invoice = invoice_from_dict(data)
    assert invoice.exemption_basis is not None


def test_basis_without_zw_line() -> None:
    data = example()
    data["exemption_basis"] = "art. 113"
    assert rejected(data).field == "exemption_basis"


def test_unknown_rate_and_aliases() -> None:
    data = example()
    data["lines"][0]["vat_rate"] = "17"
    err = rejected(data)
    assert err.field == "lines[1].vat_rate" and "Dozwolone" in err.message
    assert VatRate.parse("23%") is VatRate.R23
    assert VatRate.parse("0") is VatRate.R0
    assert VatRate.parse("np") is VatRate.NP_I
    assert VatRate.parse("ZW") is VatRate.ZW


def test_unknown_key_is_rejected() -> None:
    data = example()
    data["lines"][0]["price"] = "5"
    err = rejected(data)
    assert "price" in err.message and err.field == "lines[1].price"
    data = example()
    data["buyr"] = {}
    assert "buyr" in rejected(data).message


def test_bad_amount_text_in_dict() -> None:
    data = example()
    data["lines"][0]["unit_price"] = "5 tys."
    err = rejected(data)
    assert err.field == "lines[1].unit_price" and "Nie rozumiem" in err.message


def test_bad_bank_account() -> None:
    data = example()
    data["payment"]["bank_account"] = "61 1090 1014 0000 0712 1981 2875"
    err = rejected(data)
    assert err.field == "payment.bank_account" and "kontrolną" in err.message


def test_bad_dates() -> None:
    data = example()
    data["issue_date"] = "2026-02-30"
    assert rejected(data).field == "issue_date"
    data = example()
    data["issue_date"] = "2051-01-01"
    assert rejected(data).field == "issue_date"
    data = example()
    data["payment"]["due_date"] = "2026-01-01"
    assert rejected(data).field == "payment.due_date"


def test_paid_needs_date() -> None:
    data = example()
    data["payment"]["paid"] = True
    assert rejected(data).field == "payment.paid_date"


def test_currency_checks() -> None:
    data = example()
    data["currency"] = "XYZ"
    assert rejected(data).field == "currency"
    data = example()
    data["currency"] = "EUR"  # with 23% lines: VAT must also be shown in PLN
    assert rejected(data).field == "exchange_rate"
    data["exchange_rate"] = "4.3"
    assert invoice_from_dict(data).exchange_rate == Decimal("4.3")


def test_buyer_identifier_kinds() -> None:
    data = example()
    data["buyer"]["eu_code"] = "DE"
    data["buyer"]["eu_vat"] = "123"
    assert rejected(data).field == "buyer"  # NIP and EU VAT at once
    buyer = Buyer(name="X GmbH", eu_code="de", eu_vat="DE 123 456 789")
    assert (buyer.eu_code, buyer.eu_vat) == ("DE", "123456789")
    with pytest.raises(InvoiceDataError):
        Buyer(name="X", eu_code="US", eu_vat="1")
    with pytest.raises(InvoiceDataError):
        Buyer(name="X", eu_code="DE")
    assert Buyer(name="Jan").is_consumer
    with pytest.raises(InvoiceDataError) as info:
        Buyer(name="  ")
    assert info.value.field == "buyer.name"


def test_too_many_notes_and_address_lines() -> None:
    data = example()
    data["notes"] = ["a", "b", "c", "d"]
    assert rejected(data).field == "notes"
    data = example()
    data["seller"]["address"] = ["a", "b", "c"]
    assert rejected(data).field == "seller.address"
    data["seller"]["address"] = []
    assert rejected(data).field == "seller.address"


def test_email_and_phone_limits() -> None:
    data = example()
    data["seller"]["email"] = "no-at-sign"
    assert rejected(data).field == "seller.email"
    data = example()
    data["seller"]["phone"] = "1" * 17
    assert rejected(data).field == "seller.phone"


def test_too_many_decimals() -> None:
    data = example()
    data["lines"][0]["quantity"] = "1.1234567"
    assert rejected(data).field == "lines[1].quantity"
    data = example()
    data["lines"][0]["unit_price"] = "1.123456789"
    assert rejected(data).field == "lines[1].unit_price"


def test_wrong_json_types() -> None:
    data = example()
    data["lines"] = "none"
    assert rejected(data).field == "lines"
    data = example()
    data["seller"]["vat_exempt"] = "yes"
    assert rejected(data).field == "seller.vat_exempt"
    data = example()
    data["prices"] = "brutto"
    assert rejected(data).field == "prices"
    data = example()
    data["lines"][0]["quantity"] = True
    assert rejected(data).field == "lines[1].quantity"


def test_payment_method_forms() -> None:
    assert PaymentMethod.parse("6") is PaymentMethod.TRANSFER
    assert PaymentMethod.parse("przelew") is PaymentMethod.TRANSFER
    assert PaymentMethod.parse("Cash") is PaymentMethod.CASH
    with pytest.raises(InvoiceDataError):
        PaymentMethod.parse("bitcoin")


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.json")))
def test_dict_round_trip(name: str) -> None:
    invoice = invoice_from_dict(example(name))
    as_dict = invoice_to_dict(invoice)
    assert json.loads(json.dumps(as_dict)) == as_dict  # JSON-able
    assert invoice_from_dict(as_dict) == invoice


def test_model_direct_construction() -> None:
    invoice = Invoice(
        seller=Seller(nip="5265877635", name="Jan", address=("ul. A 1", "00-001 Warszawa")),
        buyer=Buyer(name="Klient", nip="7352765225"),
        number="1",
        issue_date=date(2026, 2, 2),
        lines=(InvoiceLine("Usługa", Decimal("1"), Decimal("10"), VatRate.R23),),
        payment=Payment(method=PaymentMethod.CASH, paid=True, paid_date=date(2026, 2, 2)),
    )
    assert invoice.effective_sale_date == date(2026, 2, 2)
    assert invoice_from_dict(invoice_to_dict(invoice)) == invoice


def test_total_too_large_for_xsd() -> None:
    data = example()
    line = {"name": "x", "quantity": "1000000", "unit_price": "999999999.99", "vat_rate": "23"}
    data["lines"] = [line] * 20
    err = rejected(data)
    assert err.field == "lines" and "za duża" in err.message


def test_error_survives_pickling() -> None:
    err = InvoiceDataError("lines[1].name", "Pole jest wymagane.")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.field, copy.message) == ("lines[1].name", "Pole jest wymagane.")
    assert str(copy) == "Pole jest wymagane."
