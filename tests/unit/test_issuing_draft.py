"""The typed draft of a sales invoice: what the chat types becomes lines, stored drafts of every shape
load again, and the states are the strings already stored (no data migration)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, DraftLine, InvoiceState
from bot.services.issuing.draft import invoice_of
from bot.services.issuing.parsing import parse_fast_path, parse_line
from bot.services.seller_profile import ProfileView

PROFILE = ProfileView(company_id=1, nip="5265877635", name="Jan Kowalski",
                      address=("ul. Długa 5", "00-001 Warszawa"), vat_exempt=False,
                      bank_account="61109010140000071219812874", default_rate="23", payment_days=14,
                      pattern="FV/{n}/{MM}/{YYYY}", reset="monthly")
# A draft as the chat stored it before drafts were typed (dialogue data and ``issued_invoices.draft``).
STORED = {"buyer": {"nip": "5260250274", "name": "ACME", "address": ["ul. Prosta 1"]},
          "lines": [{"name": "Usługa", "quantity": "2", "unit": "h", "unit_price": "150.50", "vat_rate": "23",
                     "gross": True},
                    {"name": "Hosting", "quantity": "1", "unit_price": "10", "vat_rate": "8"}],
          "prices": "net", "payment_days": 7, "method": "transfer"}


def test_a_stored_draft_loads_and_round_trips() -> None:
    draft = Draft.from_json(STORED)
    assert draft.buyer == DraftBuyer("5260250274", "ACME", ("ul. Prosta 1",))
    assert draft.lines[0] == DraftLine("Usługa", Decimal(2), Decimal("150.50"), "23", unit="h", gross=True)
    assert draft.lines[1].unit is None and not draft.lines[1].gross
    assert draft.gross_prices and draft.payment_days == 7 and draft.method == "transfer"
    assert Draft.from_json(draft.to_json()) == draft
    # The dialogue's first steps: no buyer yet, then a consumer without a name yet.
    assert Draft.from_json({"buyer": None, "lines": []}) == Draft()
    assert Draft.from_json({"buyer": {"nip": None}}).buyer == DraftBuyer()


def test_typed_lines_and_the_fast_path() -> None:
    assert parse_line("Usługa programistyczna 2 szt x 150,50 brutto 8%", "23") == DraftLine(
        "Usługa programistyczna", Decimal(2), Decimal("150.50"), "8", unit="szt", gross=True)
    nip, line = parse_fast_path("526-025-02-74 Hosting 1 x 100", "23")
    assert nip == "5260250274" and line.vat_rate == "23" and line.unit == "szt."
    with pytest.raises(ServiceError) as refused:
        parse_line("bez ceny", "23")
    assert refused.value.code == "line_format"


def test_the_draft_becomes_the_invoice_the_user_confirms() -> None:
    invoice = invoice_of(PROFILE, Draft.from_json(STORED), "FV/1/12/2026", date(2026, 12, 1))
    assert invoice.prices_gross  # one line typed with "brutto" makes the prices gross
    assert [line.unit for line in invoice.lines] == ["h", None]
    assert invoice.payment is not None and invoice.payment.due_date == date(2026, 12, 8)
    assert invoice.buyer.nip == "5260250274"
    for empty, code in ((Draft(), "no_buyer"), (Draft(buyer=DraftBuyer("5260250274", "ACME")), "no_lines")):
        with pytest.raises(ServiceError) as refused:
            invoice_of(PROFILE, empty, "X", date(2026, 12, 1))
        assert refused.value.code == code


def test_states_are_the_stored_strings() -> None:
    assert [s.value for s in InvoiceState] == [
        "prepared", "sending", "processing", "accepted", "rejected", "offline", "waiting", "kept"]
    assert InvoiceState("accepted") == "accepted"
