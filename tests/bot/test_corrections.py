"""Corrections at service level, sent through the issuing lifecycle to the simulator: each kind is valid
FA(3) KOR that KSeF accepts, names the corrected document's KSeF number and prints before/after; a
correction of an offline invoice waits (held) for the original's number; the corrections' own series."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftLine, IssuedView
from bot.services.sales.spec import CorrectionSpec, LineEdit
from ksef.fa3 import parse
from ksef.schemas import FA3_NAMESPACE, schema_errors
from tests.bot.test_issuing import ready, sim_invoice_xml
from tests.bot.test_offline_issuing import add_offline_certificate
from tests.fixtures.bot import BotHarness
from tests.unit.test_pdf import text_of

NS = {"fa": FA3_NAMESPACE}
USER = 7101
DRAFT = {"buyer": {"nip": "7352765225", "name": "Budex sp. z o.o.",
                   "address": ["ul. Sadowa 2", "30-001 Kraków"]},
         "lines": [{"name": "Malowanie ścian", "quantity": "40", "unit": "m2", "unit_price": "25",
                    "vat_rate": "23"},
                   {"name": "Montaż okna", "quantity": "1", "unit": "szt.", "unit_price": "1500",
                    "vat_rate": "8"},
                   {"name": "Dojazd", "quantity": "1", "unit": "szt.", "unit_price": "120",
                    "vat_rate": "23"}],
         "payment_days": 14, "method": "transfer"}


async def issued(bot: BotHarness, company_id: int, *, offline: bool = False) -> IssuedView:
    svc = bot.services.issuing
    view = await svc.prepare(USER, USER, company_id, Draft.from_json(DRAFT))
    return await svc.issue(view.id, offline=offline)


async def correct(bot: BotHarness, spec: CorrectionSpec, reason: str = "Błędne dane") -> list[IssuedView]:
    """Preview, confirm that very version, send everything stored; the documents as sent."""
    svc = bot.services
    spec = spec.with_reason(reason)
    preview = await svc.corrections.preview(USER, spec)
    prepared = await svc.corrections.prepare(USER, USER, spec, preview.version)
    views = [prepared.correction] + ([prepared.replacement] if prepared.replacement else [])
    return [await svc.issuing.issue(v.id) if v.state == "prepared" else v for v in views]


def accepted_kor(bot: BotHarness, view: IssuedView, corrected_ksef: str) -> bytes:
    """The correction is in KSeF, valid, KOR, naming ``corrected_ksef``; its XML."""
    assert view.state == "accepted" and view.ksef_number, view
    xml = sim_invoice_xml(bot, view.ksef_number)
    assert schema_errors("fa3", xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("fa:Fa/fa:RodzajFaktury", namespaces=NS) == "KOR"
    assert root.findtext("fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFFaKorygowanej", namespaces=NS) == corrected_ksef
    return xml


async def printed(bot: BotHarness, view: IssuedView) -> str:
    return text_of((await bot.services.issuing.printout(view.id)).pdf)


async def test_each_kind_and_a_correction_of_a_correction(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot, USER)
    invoice = await issued(bot, company_id)
    assert invoice.ksef_number
    # one quantity: the window fitted twice
    (kor1,) = await correct(bot, CorrectionSpec(invoice.id).with_line(LineEdit(2, quantity=Decimal(2))),
                            "Dostawa drugiego okna")
    xml1 = accepted_kor(bot, kor1, invoice.ksef_number)
    assert parse(xml1).gross_total == Decimal("1620.00")
    text = await printed(bot, kor1)
    assert "przed korektą" in text and "po korekcie" in text
    # a correction of that correction: a line removed, one added and a price changed, all at once
    spec = (CorrectionSpec(kor1.id).without_line(3).with_line(LineEdit(1, unit_price=Decimal("22.50")))
            .with_added(DraftLine("Gruntowanie", Decimal(40), Decimal(5), "23", "m2")))
    (kor2,) = await correct(bot, spec, "Zmiana zakresu prac")
    assert kor1.ksef_number
    xml2 = accepted_kor(bot, kor2, kor1.ksef_number)  # names the correction it corrects
    summary = parse(xml2)
    assert summary.correction is not None
    assert [(c.number, c.before is not None, c.after is not None) for c in summary.correction.changes] == [
        (1, True, True), (3, True, True), (4, False, True)]
    # 40 × -2.50 = -100 net, -120 net, +200 net at 23%: -20 net, -4.60 VAT
    assert summary.gross_total == Decimal("-24.60")
    # the buyer's name corrected: no rows, P_15 = 0, Podmiot2K with the name as it was
    (kor3,) = await correct(bot, CorrectionSpec(kor2.id).with_buyer("Budex Spółka z o.o.", None),
                            "Błędna nazwa nabywcy")
    assert kor2.ksef_number
    xml3 = accepted_kor(bot, kor3, kor2.ksef_number)
    root = etree.fromstring(xml3)
    before = root.findtext("fa:Fa/fa:Podmiot2K/fa:DaneIdentyfikacyjne/fa:Nazwa", namespaces=NS)
    assert before == "Budex sp. z o.o."
    assert root.findtext("fa:Fa/fa:P_15", namespaces=NS) == "0.00"
    assert root.find("fa:Fa/fa:FaWiersz", NS) is None
    # the register: the invoice's amount due is its gross plus every correction's
    status = await bot.services.payments.status(USER, invoice.id)
    assert status.due == Decimal("2997.60") + Decimal("1620.00") - Decimal("24.60")
    assert [kor1.number, kor2.number, kor3.number] == [f"KOR/{n}/{kor1.issue_date.year}" for n in (1, 2, 3)]


async def test_wrong_nip_and_cancel_to_zero(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot, USER)
    first, second = await issued(bot, company_id), await issued(bot, company_id)
    assert first.ksef_number and second.ksef_number
    await bot.services.profiles.set_correction_pattern(USER, company_id, "KK/{n}/{MM}/{YYYY}")
    kor, replacement = await correct(bot, CorrectionSpec(first.id).with_nip("5260250274"),
                                     "Błędny NIP nabywcy")
    xml = accepted_kor(bot, kor, first.ksef_number)
    assert parse(xml).gross_total == Decimal("-2997.60") and parse(xml).buyer.nip == "7352765225"
    assert replacement.state == "accepted" and replacement.ksef_number
    new = parse(sim_invoice_xml(bot, replacement.ksef_number))
    assert new.invoice_type == "VAT" and new.buyer.nip == "5260250274"
    assert new.gross_total == Decimal("2997.60")
    assert replacement.number.startswith("FV/3/")  # the invoices' series; the correction has its own
    assert kor.number == f"KK/1/{kor.issue_date:%m}/{kor.issue_date:%Y}"
    (zero,) = await correct(bot, CorrectionSpec(second.id).to_zero(), "Anulowanie faktury")
    assert parse(accepted_kor(bot, zero, second.ksef_number)).gross_total == Decimal("-2997.60")
    for view in (first, second):
        assert (await bot.services.payments.status(USER, view.id)).state == "nothing_due"
    # nothing is left to correct on an invoice corrected to zero
    try:
        await bot.services.corrections.preview(USER, CorrectionSpec(zero.id).to_zero().with_reason("x"))
    except ServiceError as exc:
        assert exc.code == "already_zero"
    else:
        raise AssertionError("a second correction to zero was not refused")


async def test_refusals_say_what_is_wrong(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot, USER)
    invoice = await issued(bot, company_id)
    corrections = bot.services.corrections
    for spec, expected in (
            (CorrectionSpec(invoice.id).with_line(LineEdit(1, quantity=Decimal(40))), "niczego nie zmienia"),
            (CorrectionSpec(invoice.id).with_line(LineEdit(1, quantity=Decimal(-1))), "mniejsza od zera")):
        try:
            await corrections.preview(USER, spec.with_reason("Błąd"))
        except ServiceError as exc:
            assert expected in (exc.user_message or ""), exc.user_message
        else:
            raise AssertionError(f"not refused: {spec}")
    assert [r["number"] for r in await bot.table_rows("issued_invoices")] == [invoice.number]


async def test_a_correction_of_an_offline_invoice_waits_for_its_ksef_number(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    _, nip, company_id = await ready(bot, USER)
    await add_offline_certificate(bot, USER, nip, company_id)
    invoice = await issued(bot, company_id, offline=True)
    assert invoice.state == "offline" and invoice.ksef_number is None
    (held,) = await correct(bot, CorrectionSpec(invoice.id).with_line(LineEdit(3, unit_price=Decimal(100))),
                            "Błędna cena dojazdu")
    assert held.state == "held"
    row = next(r for r in await bot.table_rows("issued_invoices") if r["id"] == held.id)
    assert row["xml"] == b"" and row["kind"] == "KOR" and row["gross_minor"] == -2460  # -20 net, -4.60 VAT
    # the next correction waits for this one; the register shows it as waiting
    try:
        await bot.services.corrections.target(USER, invoice.id)
    except ServiceError as exc:
        assert exc.code == "correction_in_progress"
    else:
        raise AssertionError("a second correction was allowed while one is held")
    # the background work uploads the original, then builds the correction with its number and sends it
    await bot.services.issuing.process_pending()
    views = {v.id: v for v in [await bot.services.issuing.get(i) for i in (invoice.id, held.id)]}
    original, kor = views[invoice.id], views[held.id]
    assert original.state == "accepted" and original.ksef_number
    xml = accepted_kor(bot, kor, original.ksef_number)
    assert parse(xml).gross_total == Decimal("-24.60")
    told = {r["dedupe_key"] for r in await bot.table_rows("outbox")}
    assert f"issued:{held.id}:accepted" in told and f"issued:{held.id}:documents" in told  # the user is told
