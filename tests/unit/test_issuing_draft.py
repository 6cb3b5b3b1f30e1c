"""The typed draft of a sales invoice: what the chat types becomes lines and buyers, stored drafts of every
shape load again with the meaning they were issued with, and the states are the strings already stored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, DraftLine, InvoiceState
from bot.services.issuing.draft import ExchangeRate, invoice_of, preview_of, preview_version
from bot.services.issuing.parsing import read_buyer_id, read_fast_path, read_line
from bot.services.seller_profile import ProfileView
from ksef.plinput import PriceKind

PROFILE = ProfileView(company_id=1, nip="5265877635", name="Jan Kowalski",
                      address=("ul. Długa 5", "00-001 Warszawa"), vat_exempt=False,
                      bank_account="61109010140000071219812874", default_rate="23", payment_days=14,
                      pattern="FV/{n}/{MM}/{YYYY}", reset="monthly")
# A draft as the chat stored it before the pricing method was the draft's own: a line flagged "gross"
# made the whole invoice gross-priced (and "prices" was not read back).
STORED = {"buyer": {"nip": "5260250274", "name": "ACME", "address": ["ul. Prosta 1"]},
          "lines": [{"name": "Usługa", "quantity": "2", "unit": "h", "unit_price": "150.50", "vat_rate": "23",
                     "gross": True},
                    {"name": "Hosting", "quantity": "1", "unit_price": "10", "vat_rate": "8"}],
          "prices": "net", "payment_days": 7, "method": "transfer"}


def test_a_stored_draft_loads_with_the_meaning_it_was_issued_with() -> None:
    draft = Draft.from_json(STORED)
    assert draft.buyer == DraftBuyer("5260250274", "ACME", ("ul. Prosta 1",))
    assert draft.lines[0] == DraftLine("Usługa", Decimal(2), Decimal("150.50"), "23", unit="h")
    assert draft.lines[1].unit is None
    assert draft.gross_prices and draft.payment_days == 7 and draft.method == "transfer"
    assert Draft.from_json(draft.to_json()) == draft
    # The dialogue's first steps: no buyer yet, then a consumer without a name yet.
    assert Draft.from_json({"buyer": None, "lines": []}) == Draft()
    assert Draft.from_json({"buyer": {"nip": None}}).buyer == DraftBuyer()
    # The old draft regenerates (technical correction) as the gross-priced invoice it was.
    invoice = invoice_of(PROFILE, draft, "FV/1/12/2026", date(2026, 12, 1))
    assert invoice.prices_gross and invoice.payment is not None and invoice.payment.due_days == 7


def test_every_field_of_a_new_draft_round_trips() -> None:
    draft = Draft(
        buyer=DraftBuyer(eu_code="DE", eu_vat="123456789", name="GmbH", address=("Hauptstr. 1",),
                         country="DE"),
        lines=(DraftLine("Consulting", Decimal("10"), Decimal("80"), "np II", unit="h"),),
        payment_days=None, method="transfer", prices="gross", due_date=date(2026, 12, 31),
        bank_account="27114020040000300201355387", sale_period=(date(2026, 11, 1), date(2026, 11, 30)),
        currency="EUR", exchange=ExchangeRate(Decimal("4.2345"), "235/A/NBP/2026", date(2026, 12, 3),
                                              date(2026, 12, 4)),
        split_payment=False, reverse_charge=None, exemption_basis=None)
    assert Draft.from_json(draft.to_json()) == draft
    paid = Draft(buyer=DraftBuyer(name="Anna"), lines=draft.lines[:0], paid_date=date(2026, 12, 4),
                 sale_date=date(2026, 12, 3), exemption_basis="art. 43 ust. 1 pkt 29 lit. a ustawy o VAT",
                 exemption_kind="P_19A", reverse_charge=True, split_payment=True)
    assert Draft.from_json(paid.to_json()) == paid


@pytest.mark.parametrize(("typed", "name", "quantity", "unit", "price", "rate", "kind", "currency"), [
    ("Usługa programistyczna 10 h x 150,50 zł 23%", "Usługa programistyczna", "10", "h", "150.50", "23",
     None, "PLN"),
    ("Konsultacja 2 szt x 200 zł brutto", "Konsultacja", "2", "szt.", "200", "23", PriceKind.GROSS, "PLN"),
    ("Hosting 1 x 5 000", "Hosting", "1", "szt.", "5000", "23", None, None),
    ("Strona www 1 x 5 000,50 zł", "Strona www", "1", "szt.", "5000.50", "23", None, "PLN"),
    ("Logo 1 x 5000zł", "Logo", "1", "szt.", "5000", "23", None, "PLN"),
    ("Szkolenie 1 x 1.234,50 zw.", "Szkolenie", "1", "szt.", "1234.50", "zw", None, None),
    ("Konsultacja 1,5 godz x 100 + VAT 23 %", "Konsultacja", "1.5", "godz.", "100", "23", PriceKind.NET,
     None),
    ("Licencja Windows 11 1 szt x 100 8", "Licencja Windows 11", "1", "szt.", "100", "8", None, None),
    ("Usługa 1 x 1 023", "Usługa", "1", "szt.", "1023", "23", None, None),  # "23" ends an amount here
    ("Xbox 2x150 np.", "Xbox", "2", "szt.", "150", "np I", None, None),
    ("Consulting 10 h x 80 EUR np", "Consulting", "10", "h", "80", "np I", None, "EUR"),
    ("Śruby 3 kpl x 0,125 zł 5%", "Śruby", "3", "kpl.", "0.125", "5", None, "PLN"),
])
def test_lines_are_read_the_way_people_type_them(typed: str, name: str, quantity: str, unit: str,
                                                 price: str, rate: str, kind: PriceKind | None,
                                                 currency: str | None) -> None:
    read = read_line(typed, "23")
    assert read.line == DraftLine(name, Decimal(quantity), Decimal(price), rate, unit=unit)
    assert (read.kind, read.currency) == (kind, currency)


@pytest.mark.parametrize(("typed", "says"), [
    ("bez ceny", None),  # no "x": the line's format, with an example
    ("Usługa 1 x abc 23%", "kwoty „abc”"),
    ("Usługa -1 x 100", "ilości „-1”"),
    ("Usługa 1.500 szt x 100", "1 500 czy o 1,5"),
    ("Usługa 1 x 1.234", "czy chodzi o 1 234,00 zł"),
    ("Usługa 1 x 100 17%", "stawki VAT „17%”"),
    ("Usługa 1 x 100 netto brutto", "jednocześnie „netto” i „brutto”"),
])
def test_a_line_not_understood_says_which_form_is_expected(typed: str, says: str | None) -> None:
    with pytest.raises(ServiceError) as refused:
        read_line(typed, "23")
    if says is None:
        assert refused.value.code == "line_format"
    else:
        message = (refused.value.user_message or "").replace("\xa0", " ")
        assert refused.value.code == "input" and says in message
        assert "Wpisz" in (refused.value.user_message or "")  # what to type instead, with an example


def test_free_text_is_cleaned_of_what_ksef_flags_and_says_so() -> None:
    read = read_line("Usługa\u200b IT\u202e 1 x 100", "23")
    assert read.line.name == "Usługa IT" and read.cleaned


def test_buyers_and_the_fast_path() -> None:
    assert read_buyer_id("-") == DraftBuyer()
    assert read_buyer_id("PL 526-025-02-74").nip == "5260250274"
    assert read_buyer_id("DE123456789") == DraftBuyer(eu_code="DE", eu_vat="123456789", country="DE")
    assert read_buyer_id("EL 123456789").country == "GR"  # Greece's VAT prefix is EL
    assert read_buyer_id("US 12-3456789") == DraftBuyer(other_id="12-3456789", country="US")
    for bad, code in (("1234567890", "nip_invalid"), ("Strona", "buyer_id_invalid")):
        with pytest.raises(ServiceError) as refused:
            read_buyer_id(bad)
        assert refused.value.code == code
    buyer, line = read_fast_path("526 025 02 74 Hosting 1 x 100", "23")
    assert buyer == DraftBuyer(nip="5260250274") and line is not None and line.line.unit_price == 100
    buyer, line = read_fast_path("- Naprawa 1 x 200 zł brutto", "8")
    assert buyer == DraftBuyer() and line is not None and line.kind is PriceKind.GROSS
    buyer, line = read_fast_path("Strona www 1 x 3000", "23")  # no buyer: asked next
    assert buyer is None and line is not None and line.line.name == "Strona www"
    assert read_fast_path("5260250274", "23") == (DraftBuyer(nip="5260250274"), None)


def test_the_preview_version_names_exactly_what_the_invoice_says() -> None:
    draft = Draft.from_json(STORED)
    first = preview_of(invoice_of(PROFILE, draft, "PODGLĄD", date(2026, 12, 1)))
    same = preview_of(invoice_of(PROFILE, Draft.from_json(draft.to_json()), "X", date(2026, 12, 1)))
    assert first.version == same.version == preview_version(first.invoice)  # the number is not content
    changes = [
        (draft.with_line(DraftLine("Więcej", Decimal(1), Decimal(1), "23")), date(2026, 12, 1), PROFILE),
        (draft, date(2026, 12, 2), PROFILE),  # another issue date
        (draft, date(2026, 12, 1), ProfileView(**{**PROFILE.__dict__, "name": "Jan Kowalski IT"})),
        (Draft.from_json({**STORED, "split_payment": True}), date(2026, 12, 1), PROFILE),
    ]
    versions = {preview_of(invoice_of(profile, d, "PODGLĄD", day)).version for d, day, profile in changes}
    assert first.version not in versions and len(versions) == len(changes)


def test_issue_again_keeps_the_invoice_but_not_its_dates() -> None:
    old = Draft.from_json({**STORED, "sale_period": ["2026-11-01", "2026-11-30"], "paid_date": "2026-12-01",
                           "due_date": "2026-12-15", "payment_days": None, "currency": "EUR",
                           "exchange": {"rate": "4.2", "table": "1/A/NBP/2026", "table_date": "2026-11-30",
                                        "lookup_date": "2026-12-01"}})
    again = old.again(payment_days=14)
    assert again.lines == old.lines and again.buyer == old.buyer and again.currency == "EUR"
    assert (again.sale_period, again.paid_date, again.due_date, again.exchange) == (None, None, None, None)
    assert again.payment_days == 14


def test_states_are_the_stored_strings() -> None:
    assert [s.value for s in InvoiceState] == [
        "prepared", "sending", "processing", "accepted", "rejected", "offline", "waiting", "kept", "held"]
    assert InvoiceState("accepted") == "accepted"


def test_the_profile_reads_polish_input_and_cleans_pasted_text() -> None:
    from bot.services.seller_profile import check_address, check_days, check_name, check_rate

    assert [check_days(text) for text in ("14", "14 dni", "2 tygodnie", "od razu")] == [14, 14, 14, 0]
    for bad in ("31.12.2026", "dwa tygodnie", "400"):
        with pytest.raises(ServiceError) as refused:
            check_days(bad)
        assert refused.value.code == "days_invalid"
    assert [check_rate(text) for text in ("23 %", "zw.", "np.", "8")] == ["23", "zw", "np I", "8"]
    assert check_name("Jan\u200b Kowalski\u202e IT") == "Jan Kowalski IT"
    assert check_address("ul. Długa\u00ad 5; 00-001 Warszawa") == ["ul. Długa 5", "00-001 Warszawa"]
