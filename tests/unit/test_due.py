"""ksef.fa3.due: due dates from described payment terms (TerminOpis) and what an invoice says about paying."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from lxml import etree

from ksef.fa3 import Buyer, Invoice, InvoiceLine, Payment, PaymentMethod, Seller, VatRate, build, parse
from ksef.fa3.due import invoice_due_date, paying_facts, term_due_date
from ksef.fa3.summary import DueTerm

ISSUE = date(2026, 1, 31)
SALE = date(2026, 1, 20)


@pytest.mark.parametrize(("term", "expected"), [
    (DueTerm(14, "dni", "wystawienie faktury"), date(2026, 2, 14)),
    (DueTerm(14, "Dni", "od daty wystawienia faktury"), date(2026, 2, 14)),
    (DueTerm(1, "dzień", "wystawienie faktury"), date(2026, 2, 1)),
    (DueTerm(2, "tygodnie", "wystawienie faktury"), date(2026, 2, 14)),
    (DueTerm(1, "miesiąc", "wystawienie faktury"), date(2026, 2, 28)),  # 31.01 + 1 month: end of Feb.
    (DueTerm(3, "miesiące", "wystawienie"), date(2026, 4, 30)),
    (DueTerm(1, "rok", "wystawienie faktury"), date(2027, 1, 31)),
    (DueTerm(7, "dni", "dostawa towaru"), date(2026, 1, 27)),  # from P_6
    (DueTerm(7, "dni", "wykonanie usługi"), date(2026, 1, 27)),
    (DueTerm(30, "days", "invoice issue"), date(2026, 3, 2)),
    (DueTerm(0, "dni", "wystawienie faktury"), ISSUE),
])
def test_a_described_term_from_a_known_event_gets_its_date(term: DueTerm, expected: date) -> None:
    assert term_due_date(term, issue_date=ISSUE, sale_date=SALE) == expected


def test_a_term_from_receipt_counts_from_the_day_ksef_numbered_the_invoice() -> None:
    term = DueTerm(14, "dni", "otrzymanie faktury")
    assert term_due_date(term, issue_date=ISSUE, sale_date=SALE) is None  # the day is not known
    assert term_due_date(term, issue_date=ISSUE, received_on=date(2026, 2, 2)) == date(2026, 2, 16)


@pytest.mark.parametrize("term", [
    DueTerm(14, "dni", "po akceptacji protokołu"),  # an event we cannot date
    DueTerm(14, "kwartały", "wystawienie faktury"),  # a unit we do not know
    DueTerm(-3, "dni", "wystawienie faktury"),
    DueTerm(100_000, "dni", "wystawienie faktury"),
    DueTerm(10**9, "miesięcy", "wystawienie faktury"),
])
def test_a_term_that_cannot_be_dated_gives_none(term: DueTerm) -> None:
    assert term_due_date(term, issue_date=ISSUE, sale_date=SALE) is None


def test_delivery_without_a_sale_date_counts_from_the_issue_date() -> None:
    assert term_due_date(DueTerm(3, "dni", "dostawa"), issue_date=ISSUE) == date(2026, 2, 3)


def with_parts(xml: bytes, parts: tuple[tuple[str, str], ...], *, in_full: bool = False) -> bytes:
    """The invoice with ``ZaplataCzesciowa`` (amount, day) parts paid before it was issued."""
    root = etree.fromstring(xml)
    ns = root.nsmap[None]
    platnosc = root.find(f".//{{{ns}}}Platnosc")
    assert platnosc is not None
    flag = etree.Element(f"{{{ns}}}ZnacznikZaplatyCzesciowej")
    flag.text = "2" if in_full else "1"
    elements = [flag]
    for amount, day in parts:
        part = etree.Element(f"{{{ns}}}ZaplataCzesciowa")
        etree.SubElement(part, f"{{{ns}}}KwotaZaplatyCzesciowej").text = amount
        etree.SubElement(part, f"{{{ns}}}DataZaplatyCzesciowej").text = day
        elements.append(part)
    for position, element in enumerate(elements):
        platnosc.insert(position, element)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _invoice(payment: Payment, *, split: bool = False) -> bytes:
    lines = (InvoiceLine("Usługa", Decimal(1), Decimal("20000.00"), VatRate.R23),)
    return build(Invoice(Seller("5265877635", "Jan Kowalski", ("ul. Długa 5",)),
                         Buyer("Kupujący", nip="7352765225"), "FV/1/2026", ISSUE, lines, payment=payment,
                         split_payment=split))


def test_due_days_written_by_our_builder_give_the_same_date_both_ways() -> None:
    summary = parse(_invoice(Payment(PaymentMethod.TRANSFER, due_days=14)))
    assert summary.payment is not None and summary.payment.due_terms
    assert invoice_due_date(summary) == date(2026, 2, 14)


def test_paying_facts_of_a_split_payment_transfer() -> None:
    summary = parse(_invoice(Payment(PaymentMethod.TRANSFER, due_date=date(2026, 2, 20),
                                     bank_account="PL61 1090 1014 0000 0712 1981 2874"), split=True))
    facts = paying_facts(summary)
    assert facts.due_date == date(2026, 2, 20) and facts.split_payment and facts.method == "6"
    assert facts.bank_accounts == ("61109010140000071219812874",) and not facts.paid


def test_paying_facts_of_an_invoice_paid_by_card() -> None:
    summary = parse(_invoice(Payment(PaymentMethod.CARD, paid=True, paid_date=date(2026, 1, 31))))
    facts = paying_facts(summary)
    assert facts.paid and facts.paid_date == ISSUE and facts.method == "2" and facts.bank_accounts == ()
    assert facts.due_date is None and not facts.split_payment


def test_parts_paid_before_issue_are_summed_and_in_full_makes_it_paid() -> None:
    xml = _invoice(Payment(PaymentMethod.TRANSFER, due_date=date(2026, 2, 20)))
    partly = paying_facts(parse(with_parts(xml, (("100.00", "2026-01-10"), ("0.50", "2026-01-12")))))
    assert partly.paid_so_far == Decimal("100.50") and not partly.paid
    assert partly.paid_date == date(2026, 1, 12)
    whole = paying_facts(parse(with_parts(xml, (("24600.00", "2026-01-10"),), in_full=True)))
    assert whole.paid and whole.paid_so_far == Decimal("24600.00") and whole.paid_date == date(2026, 1, 10)
    assert paying_facts(parse(xml)).paid_so_far is None
