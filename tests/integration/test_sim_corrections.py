"""Corrections through the real client and the simulator over HTTP: every kind is accepted with a KSeF
number and names the corrected invoice's KSeF number; a correction of an offline invoice waits for it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from ksef.client import KsefClient
from ksef.errors import CorrectionNotReadyError
from ksef.fa3 import Buyer, Invoice, InvoiceLine, Seller, VatRate, build, parse
from ksef.fa3.correction import (
    CorrectedInvoice,
    Correction,
    build_correction,
    cancel_to_zero,
    correct_buyer_nip,
    correction_from_edit,
    invoice_state,
)
from ksef.identifiers import ksef_number_is_valid
from ksef.offline import today_in_poland
from tests.fixtures.sim import SimHandle

BUYER = Buyer("Budex sp. z o.o.", nip="7352765225", address=("ul. Sadowa 2", "30-001 Kraków"))
RIGHT_NIP = "1234563218"


async def _send(client: KsefClient, xml: bytes, *, offline: bool = False) -> str:
    """Send, require acceptance, check that KSeF stored exactly these bytes; the KSeF number."""
    result = await client.send_invoice(xml, offline_mode=offline)
    assert result.status_code == 200, (result.status_code, result.details)
    assert result.ksef_number is not None and ksef_number_is_valid(result.ksef_number)
    assert await client.download_invoice(result.ksef_number) == xml
    return result.ksef_number


async def test_every_correction_kind_is_accepted_and_names_the_corrected_ksef_number(sim: SimHandle) -> None:
    sim.configure(hwmLagSeconds=0)
    nip, token = sim.create_subject()
    today = today_in_poland()
    seller = Seller(nip, "Anna Nowak Usługi Remontowe", ("ul. Żółkiewskiego 3", "90-001 Łódź"))
    original = Invoice(seller, BUYER, "FV/1/2026", today, (
        InvoiceLine("Malowanie ścian", Decimal(40), Decimal("25.00"), VatRate.R23, "m2"),
        InvoiceLine("Montaż okna", Decimal(1), Decimal("1500.00"), VatRate.R8, "szt."),
        InvoiceLine("Dojazd", Decimal(1), Decimal("120.00"), VatRate.R23),
    ))
    start = datetime.now(UTC) - timedelta(minutes=5)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        original_xml = build(original)
        original_number = await _send(client, original_xml)
        ref = CorrectedInvoice(original.number, today, original_number)
        state = invoice_state(original_xml)
        extra = InvoiceLine("Gruntowanie", Decimal(40), Decimal("5.00"), VatRate.R23, "m2")
        head = {"issue_date": today, "corrected": ref}
        fixed_nip = correct_buyer_nip(state, replace(BUYER, nip=RIGHT_NIP), number="KOR/6/2026", **head,
                                      replacement_number="FV/2/2026", replacement_issue_date=today)
        kinds: dict[str, Correction] = {
            "price": correction_from_edit(state, state.with_line(1, unit_price=Decimal("22.50")),
                                          number="KOR/1/2026", reason="Błędna cena", **head),
            "quantity": correction_from_edit(state, state.with_line(2, quantity=Decimal(2)),
                                             number="KOR/2/2026", reason="Drugie okno", **head),
            "removed": correction_from_edit(state, state.without_line(3), number="KOR/3/2026",
                                            reason="Bez dojazdu", **head),
            "added": correction_from_edit(state, state.with_added_line(extra), number="KOR/4/2026",
                                          reason="Pominięta usługa", **head),
            "cancel": cancel_to_zero(state, number="KOR/5/2026", reason="Usługa niewykonana", **head),
            "buyer_nip": fixed_nip.correction,
        }
        numbers: dict[str, str] = {}
        for kind, correction in kinds.items():
            xml = build_correction(correction)
            numbers[kind] = await _send(client, xml)
            summary = parse(xml)
            assert summary.correction is not None
            assert [c.ksef_number for c in summary.correction.corrected] == [original_number], kind
        await _send(client, build(fixed_nip.replacement))

        # a correction of a correction names the first correction and starts from its "after"
        after_price = invoice_state(original_xml, await client.download_invoice(numbers["price"]))
        assert after_price == kinds["price"].after
        second = correction_from_edit(
            after_price, after_price.with_line(1, quantity=Decimal(38)), number="KOR/7/2026",
            issue_date=today, corrected=CorrectedInvoice("KOR/1/2026", today, numbers["price"]),
            reason="Mniejsza powierzchnia")
        second_xml = build_correction(second)
        await _send(client, second_xml)
        part = parse(second_xml).correction
        assert part is not None and part.corrected[0].ksef_number == numbers["price"]

        # what KSeF lists: the corrections are of type Kor with the differences as amounts
        batch = await client.received_since(None, subject_type="Subject1", start=start)
        listed = {i.invoice_number: i for i in batch.invoices}
        assert listed["FV/1/2026"].invoice_type == "Vat" and listed["FV/2/2026"].invoice_type == "Vat"
        assert {listed[c.number].invoice_type for c in (*kinds.values(), second)} == {"Kor"}
        assert listed["KOR/1/2026"].gross_amount == pytest.approx(-123.00)
        assert listed["KOR/5/2026"].gross_amount == pytest.approx(-2997.60)
        assert listed["KOR/7/2026"].gross_amount == pytest.approx(-55.35)


async def test_correction_of_an_offline_invoice_waits_for_its_ksef_number(sim: SimHandle) -> None:
    nip, token = sim.create_subject()
    today = today_in_poland()
    seller = Seller(nip, "Jan Kowalski", ("ul. Polna 1", "00-001 Warszawa"))
    invoice = Invoice(seller, BUYER, "FV/8/2026", today,
                      (InvoiceLine("Konsultacja", Decimal(2), Decimal("300.00"), VatRate.R23, "godz."),))
    xml = build(invoice)  # issued offline: printed with KOD I "OFFLINE", not in KSeF yet
    state = invoice_state(xml)
    waiting = correction_from_edit(state, state.with_line(1, quantity=Decimal(1)), number="KOR/1/2026",
                                   issue_date=today, corrected=CorrectedInvoice(invoice.number, today),
                                   reason="Jedna godzina mniej")
    with pytest.raises(CorrectionNotReadyError):
        build_correction(waiting)
    async with KsefClient(sim.base_url, nip=nip, token=token, pace=False) as client:
        number = await _send(client, xml, offline=True)
        kor = build_correction(waiting.with_corrected_ksef_number(number))
        await _send(client, kor)
    part = parse(kor).correction
    assert part is not None and part.corrected[0].ksef_number == number
