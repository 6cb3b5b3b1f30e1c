"""Each case a month of invoicing brings, from the chat's draft to FA(3): the pricing-method decisions
(converted visibly or refused), every case's fields in the XML and back from it, and — over random
drafts — the same totals in the preview text, the XML, parse(xml) and the PDF."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bot.chat.issuing_preview import preview_text
from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, DraftLine
from bot.services.issuing import editing as edit
from bot.services.issuing.draft import ExchangeRate, invoice_of, preview_of
from bot.services.issuing.parsing import TypedLine, read_line
from bot.services.seller_profile import ProfileView
from ksef import pdf
from ksef.fa3 import VatRate, build, parse
from ksef.fa3.totals import RATE_FIELDS
from ksef.schemas import FA3_NAMESPACE

PROFILE = ProfileView(company_id=1, nip="5265877635", name="Jan Kowalski",
                      address=("ul. Długa 5", "00-001 Warszawa"), vat_exempt=False,
                      bank_account="61109010140000071219812874", default_rate="23", payment_days=14,
                      pattern="FV/{n}/{MM}/{YYYY}", reset="monthly")
ISSUE = date(2026, 12, 4)
ACME = DraftBuyer(nip="5260250274", name="ACME Sp. z o.o.", address=("ul. Prosta 1", "00-950 Warszawa"))
NS = {"fa": FA3_NAMESPACE}


def typed(text: str, rate: str = "23") -> TypedLine:
    return read_line(text, rate)


def net_draft(*lines: str) -> Draft:
    draft = Draft(buyer=ACME, payment_days=14, method="transfer")
    for text in lines:
        draft = edit.place_line(draft, typed(text)).draft
    return draft


# ------------------------------------------------------------------------------------------ pricing method

def test_the_first_line_names_the_method_and_nothing_shown_changes() -> None:
    change = edit.place_line(Draft(buyer=ACME), typed("Usługa 10 h x 150,50 brutto"))
    assert change.draft.prices == "gross" and change.draft.lines[0].unit_price == Decimal("150.50")
    assert [n.kind for n in change.notes] == ["prices_from_line"]


def test_a_later_line_in_the_other_method_is_converted_visibly_keeping_what_was_typed() -> None:
    # The defect of the issue: a gross line in a net draft turned the whole invoice gross. Now the
    # first line keeps its net price and the second is converted, both amounts shown.
    draft = net_draft("Usługa 10 h x 150,50")
    change = edit.place_line(draft, typed("Konsultacja 1 x 200 zł brutto"))
    assert change.draft.prices == "net"
    assert change.draft.lines[0] == draft.lines[0]
    assert change.draft.lines[1].unit_price == Decimal("162.60")
    note = change.notes[0]
    assert (note.kind, note.line_no, note.typed, note.typed_method, note.price, note.exact) == (
        "converted", 2, Decimal(200), "gross", Decimal("162.60"), True)
    invoice = invoice_of(PROFILE, change.draft, "FV/1", ISSUE)
    assert not invoice.prices_gross
    # 162,60 net + 23 % = 200,00 gross: the buyer pays exactly what was typed for the line.
    alone = replace(change.draft, lines=change.draft.lines[1:])
    single = preview_of(invoice_of(PROFILE, alone, "FV/1", ISSUE))
    assert single.gross == Decimal("200.00")


def test_an_amount_that_cannot_be_kept_exactly_is_refused_with_the_nearest() -> None:
    draft = net_draft("Usługa 1 x 100")
    with pytest.raises(ServiceError) as refused:
        edit.place_line(draft, typed("Towar 1 x 100,03 zł brutto"))  # 81,32 net gives 100,02; 81,33: 100,04
    params = refused.value.params
    assert refused.value.code == "conversion_inexact"
    assert params["typed"] == Decimal("100.03")
    assert params["nearest"] in (Decimal("100.02"), Decimal("100.04"))
    assert (params["typed_method"], params["method"], params["line_no"]) == ("gross", "net", 2)


def test_a_line_without_vat_has_nothing_to_convert() -> None:
    change = edit.place_line(net_draft("Usługa 1 x 100"), typed("Szkolenie 1 x 500 brutto zw"))
    assert change.draft.lines[1].unit_price == Decimal(500) and not change.notes


def test_switching_the_method_converts_every_line_and_shows_each() -> None:
    draft = net_draft("Usługa 10 h x 150,50", "Szkolenie 1 x 500 zw", "Towar 3 x 33,33 8%")
    change = edit.switch_prices(draft)
    assert change.draft.prices == "gross"
    assert [n.line_no for n in change.notes] == [1, 3]  # the zw line is the same in both methods
    assert change.draft.lines[0].unit_price == Decimal("185.115")  # 1 851,15 zł gross, as the net gave
    back = edit.switch_prices(change.draft)
    assert [line.unit_price for line in back.draft.lines] == [line.unit_price for line in draft.lines]


def test_currencies_on_lines() -> None:
    change = edit.place_line(Draft(buyer=ACME), typed("Consulting 10 h x 80 EUR np"))
    assert change.draft.currency == "EUR" and [n.kind for n in change.notes] == ["currency"]
    with pytest.raises(ServiceError) as refused:
        edit.place_line(change.draft, typed("Hosting 1 x 100 zł"))
    assert refused.value.code == "currency_mismatch"


def test_np_for_an_eu_taxpayer_is_np_ii_with_reverse_charge() -> None:
    eu = DraftBuyer(eu_code="DE", eu_vat="123456789", name="Kunde GmbH", country="DE")
    change = edit.place_line(Draft(buyer=eu), typed("Consulting 10 h x 80 np"))
    assert change.draft.lines[0].vat_rate == "np II" and change.notes[0].kind == "np_ii"
    # Typed before the buyer was known: fitted when the buyer arrives.
    early = edit.place_line(Draft(), typed("Consulting 10 h x 80 np")).draft
    assert edit.for_buyer(early.with_buyer(eu)).draft.lines[0].vat_rate == "np II"
    invoice = invoice_of(PROFILE, change.draft, "FV/1", ISSUE)
    assert invoice.reverse_charge_annotation and invoice.buyer.eu_vat == "123456789"


def test_removing_the_last_exempt_line_takes_its_basis_along() -> None:
    draft = replace(net_draft("Usługa 1 x 100", "Szkolenie 1 x 500 zw"),
                    exemption_basis="art. 43 ust. 1 pkt 29 lit. a ustawy o VAT", exemption_kind="P_19A")
    assert draft.without_line(1).exemption_basis is None
    assert draft.without_line(0).exemption_basis is not None


# ------------------------------------------------------------------------------------------ cases → FA(3)

def _round_trip(draft: Draft) -> tuple[bytes, object]:
    invoice = invoice_of(PROFILE, draft, "FV/7/12/2026", ISSUE)
    xml = build(invoice, created_at=datetime(2026, 12, 4, 9, tzinfo=UTC))
    return xml, parse(xml)


def test_an_exempt_line_needs_its_basis_and_carries_it() -> None:
    draft = net_draft("Szkolenie BHP 1 x 500 zw")
    with pytest.raises(ServiceError) as refused:
        invoice_of(PROFILE, draft, "FV/1", ISSUE)
    assert refused.value.code == "exemption_basis_missing"
    draft = replace(draft, exemption_basis="art. 43 ust. 1 pkt 29 lit. a ustawy o VAT",
                    exemption_kind="P_19A")
    xml, summary = _round_trip(draft)
    assert summary.exemption_basis == draft.exemption_basis and summary.exemption_basis_kind == "P_19A"
    assert b"<P_19A>art. 43 ust. 1 pkt 29 lit. a ustawy o VAT</P_19A>" in xml


def test_a_consumer_sale_date_and_cash_paid() -> None:
    consumer = replace(net_draft("Naprawa 1 x 200"), buyer=DraftBuyer(name="Anna Nowak"))
    draft = edit.set_paid(edit.set_method(consumer, "cash"), date(2026, 12, 3))
    draft = edit.set_sale_date(draft, date(2026, 12, 2))
    xml, summary = _round_trip(draft)
    assert b"<BrakID>1</BrakID>" in xml and summary.buyer.nip is None and summary.buyer.name == "Anna Nowak"
    assert summary.sale_date == date(2026, 12, 2)
    assert summary.payment is not None and summary.payment.paid
    assert summary.payment.paid_date == date(2026, 12, 3)
    assert summary.payment.method == "1" and summary.payment.due_dates == ()


def test_a_period_a_term_in_days_and_another_account() -> None:
    draft = edit.set_period(net_draft("Hosting 1 x 100"), (date(2026, 11, 1), date(2026, 11, 30)))
    draft = replace(edit.set_term(draft, days=21), bank_account="27114020040000300201355387")
    _, summary = _round_trip(draft)
    assert summary.sale_period == (date(2026, 11, 1), date(2026, 11, 30)) and summary.sale_date is None
    assert summary.payment is not None and summary.payment.due_dates == (date(2026, 12, 25),)
    assert summary.payment.due_terms[0].count == 21
    assert summary.payment.bank_accounts == ("27114020040000300201355387",)
    due = edit.set_term(draft, due=date(2026, 12, 31))
    assert _round_trip(due)[1].payment.due_dates == (date(2026, 12, 31),)  # type: ignore[attr-defined]


def test_a_foreign_currency_invoice_carries_the_rate_its_table_and_vat_in_zloty() -> None:
    draft = replace(edit.set_currency(net_draft("Consulting 10 h x 80"), "EUR").draft,
                    exchange=ExchangeRate(Decimal("4.2345"), "235/A/NBP/2026", date(2026, 12, 3), ISSUE))
    xml, summary = _round_trip(draft)
    assert summary.currency == "EUR" and summary.exchange_rate == Decimal("4.2345")
    assert (summary.exchange_rate_table, summary.exchange_rate_date) == ("235/A/NBP/2026", date(2026, 12, 3))
    assert summary.totals[0].vat_pln == Decimal("779.15")  # 184,00 EUR × 4,2345
    assert b"<KursWaluty>4.2345</KursWaluty>" in xml


def test_split_payment_is_asked_from_15000_zl_and_annotated_when_marked() -> None:
    from bot.chat.issuing_preview import needs_split_answer

    small, large = net_draft("Usługa 1 x 12195,11"), net_draft("Usługa 1 x 12195,13")  # 14 999,99 / 15 000,01
    assert not needs_split_answer(small, preview_of(invoice_of(PROFILE, small, "P", ISSUE)))
    assert needs_split_answer(large, preview_of(invoice_of(PROFILE, large, "P", ISSUE)))
    answered = replace(large, split_payment=True)
    assert not needs_split_answer(answered, preview_of(invoice_of(PROFILE, answered, "P", ISSUE)))
    xml, summary = _round_trip(answered)
    assert summary.split_payment and b"<P_18A>1</P_18A>" in xml  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ one set of numbers

_AMOUNT = r"(-?\d{1,3}(?:[ \u00a0]\d{3})*,\d{2})"
_RATES = [VatRate.R23, VatRate.R8, VatRate.R5, VatRate.R0, VatRate.ZW, VatRate.NP_I, VatRate.OO]


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[ \u00a0]", "", text).replace(",", "."))


drafts = st.builds(
    lambda lines, gross, eur: (lines, gross, eur),
    st.lists(st.builds(
        DraftLine,
        name=st.sampled_from(["Usługa", "Towar", "Szkolenie – dzień 1"]),
        quantity=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=2),
        unit_price=st.decimals(min_value=Decimal(0), max_value=Decimal(9999), places=2),
        vat_rate=st.sampled_from([r.value for r in _RATES]),
        unit=st.sampled_from(["szt.", "h"]),
    ), min_size=1, max_size=5),
    st.booleans(),
    st.sampled_from([None]) | st.decimals(min_value=Decimal("3.5"), max_value=Decimal(5), places=4),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drafts)
def test_preview_text_xml_parse_and_pdf_show_the_same_totals(
        case: tuple[list[DraftLine], bool, Decimal | None]) -> None:
    lines, gross, eur = case
    draft = Draft(buyer=ACME, lines=tuple(lines), prices="gross" if gross else "net", payment_days=14,
                  method="transfer", split_payment=False,
                  exemption_basis="art. 43 ust. 1 pkt 29 lit. a ustawy o VAT", exemption_kind="P_19A")
    if eur is not None:
        draft = replace(draft, currency="EUR",
                        exchange=ExchangeRate(eur, "235/A/NBP/2026", date(2026, 12, 3), ISSUE))
    preview = preview_of(invoice_of(PROFILE, draft, "PODGLĄD", ISSUE))
    text = preview_text("pl", PROFILE, draft, preview, today=ISSUE)
    currency = r"\xa0(?:zł|€)"
    shown = {}
    for label, *_ in preview.rates:
        row = re.search(re.escape(f"Stawka {label}: netto ")
                        + f"{_AMOUNT}{currency}, VAT {_AMOUNT}{currency}, brutto {_AMOUNT}", text)
        assert row is not None, label
        shown[label] = tuple(_number(g) for g in row.groups())
    total = re.search(f"Razem: netto {_AMOUNT}{currency}, VAT {_AMOUNT}{currency}, brutto {_AMOUNT}", text)
    assert total is not None
    preview_total = tuple(_number(g) for g in total.groups())

    invoice = invoice_of(PROFILE, draft, "FV/1/12/2026", ISSUE)
    xml = build(invoice, created_at=datetime(2026, 12, 4, 9, tzinfo=UTC))
    root = etree.fromstring(xml)

    def field(name: str) -> Decimal | None:
        found = root.find(f"fa:Fa/fa:{name}", NS)
        return Decimal(str(found.text)) if found is not None else None

    summary = parse(xml)
    by_label = {t.label: t for t in summary.totals}
    assert set(shown) == set(by_label)
    for label, (net, vat, gross_total) in shown.items():
        parsed = by_label[label]
        assert (parsed.net, parsed.vat, parsed.gross) == (net, vat, gross_total)
        net_field, vat_field = RATE_FIELDS[VatRate(parsed.rate)]
        assert field(net_field) == net
        if vat_field is not None:
            assert field(vat_field) == vat
    assert field("P_15") == preview_total[2] == summary.gross_total
    assert (summary.net_total, summary.vat_total) == preview_total[:2]

    document = pypdf.PdfReader(io.BytesIO(pdf.render_pdf(xml)))
    printed = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in document.pages))
    razem = re.search(f"Razem {_AMOUNT} {_AMOUNT} {_AMOUNT}", printed)
    assert razem is not None and tuple(_number(g) for g in razem.groups()) == preview_total


def test_every_text_of_the_dialogue_is_in_both_languages_with_the_same_placeholders() -> None:
    from string import Formatter

    from bot.i18n.catalog import invoice_cases

    def fields(text: str) -> set[str]:
        return {name.split(":")[0] for _, name, _, _ in Formatter().parse(re.sub(r"\{(\w+):plural:[^{}]*\}",
                                                                             r"{\1}", text)) if name}

    assert set(invoice_cases.PL) == set(invoice_cases.EN)
    for key, text in invoice_cases.PL.items():
        assert fields(text) == fields(invoice_cases.EN[key]), key
        assert not re.search(r"\b(wpisałeś|wpisałaś|zrobiłeś|zrobiłaś|podałeś|podałaś)\b", text), key


def test_the_longest_preview_still_fits_one_telegram_message() -> None:
    name = "Bardzo długa nazwa usługi " * 19
    lines = tuple(DraftLine(f"{i} {name}", Decimal(3), Decimal("333.33"), "23", unit="jednostka " * 5)
                  for i in range(1, 51))
    buyer = DraftBuyer(nip="5260250274", name="B" * 512, address=("A" * 512, "C" * 512), vat_status="Czynny")
    november = (date(2026, 11, 1), date(2026, 11, 30))
    change = edit.switch_prices(Draft(buyer=buyer, lines=lines, payment_days=14, method="transfer",
                                      split_payment=None, sale_period=november))
    draft, notes = change.draft, change.notes
    preview = preview_of(invoice_of(PROFILE, draft, "PODGLĄD", ISSUE))
    text = preview_text("pl", PROFILE, draft, preview, notes=notes, today=ISSUE)
    assert len(text) <= 4096 and "dalszych pozycji" in text and "Razem: netto" in text
    assert "załącznika nr 15" in text  # the open question is never cut off
