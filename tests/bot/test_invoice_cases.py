"""The cases of an ordinary month, each as one chat journey through the fake Bot API and the simulator
(KSeF, NBP and MF's VAT taxpayer list): the XML the simulator accepted validates against FA(3), parses
back to what the preview showed, and the PDF the user received shows the case's fields."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pypdf

from bot.i18n import fmt_date
from bot.sandbox.botapi import ChatMessage, FakeUser
from ksef.fa3 import parse
from ksef.identifiers import random_valid_nip
from ksef.schemas import schema_errors
from tests.bot.test_issuing import BUYER_NIP, CONFIRM, confirm_and_collect, ready, sim_invoice_xml
from tests.fixtures.bot import BotHarness


async def issued(bot: BotHarness, user: FakeUser, preview: ChatMessage) -> tuple[Any, str]:
    """Confirm; the accepted XML (validated, parsed) and the PDF's text the user received."""
    messages = await confirm_and_collect(bot, user, preview)
    assert any("przyjęta w KSeF" in m.content for m in messages), [m.content for m in messages]
    rows = await bot.table_rows("issued_invoices")
    xml = sim_invoice_xml(bot, rows[-1]["ksef_number"])
    assert schema_errors("fa3", xml) == []
    document = next(m.document for m in messages
                    if m.document and (m.document.filename or "").endswith(".pdf"))
    assert document is not None
    reader = pypdf.PdfReader(io.BytesIO(document.content))
    return parse(xml), re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def plain(message: ChatMessage) -> str:
    return message.content.replace("\xa0", " ")


async def test_exempt_training_for_a_period_asks_the_basis_once(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 7001)
    answer = await bot_app.say(user, f"/wystaw {BUYER_NIP} Szkolenie BHP 2 os x 450 zw.")
    assert "nie ma w wykazie podatników VAT" in answer.content and "nazwę nabywcy" in answer.content
    await bot_app.say(user, "Szkoła Jazdy Sp. z o.o.", contains="adres nabywcy")
    asked = await bot_app.say(user, "ul. Prosta 1; 00-950 Warszawa", contains="podstawy prawnej zwolnienia")
    assert "art. 43 ust. 1 pkt 29 lit. a" in asked.content  # an example of what to type
    refused = await bot_app.say(user, "bo tak")
    assert "Podaj przepis" in refused.content and "art. 43" in refused.content
    preview = await bot_app.say(user, "art. 43 ust. 1 pkt 29 lit. a", contains="Podgląd faktury")
    assert "Podstawa zwolnienia z VAT: art. 43 ust. 1 pkt 29 lit. a ustawy o VAT" in preview.content
    more = await bot_app.press(user, preview, "⚙️ Więcej", contains="Co zmienić")
    await bot_app.press(user, more, "🗓 Okres (usługi ciągłe)", contains="Podaj okres")
    refused = await bot_app.say(user, "trzynasty")
    assert "Nie rozumiem okresu „trzynasty”" in refused.content and "np. 11.2026" in refused.content
    preview = await bot_app.say(user, "listopad 2025", contains="Podgląd faktury")
    assert "Okres sprzedaży: 1 listopada 2025 – 30 listopada 2025" in preview.content
    await bot_app.say(user, "coś", contains="Użyj przycisków")  # the preview waits for a button
    summary, printed = await issued(bot_app, user, preview)
    assert summary.exemption_basis == "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
    assert summary.exemption_basis_kind == "P_19A" and summary.lines[0].vat_rate == "zw"
    assert summary.sale_period is not None and summary.sale_period[0].isoformat() == "2025-11-01"
    assert "Podstawa zwolnienia z VAT" in printed and "art. 43 ust. 1 pkt 29 lit. a" in printed
    assert "Okres sprzedaży" in printed


async def test_a_consumer_paid_in_cash_with_edits_and_an_out_of_date_confirm(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 7002)
    await bot_app.say(user, "/wystaw - Naprawa roweru 1 x 200 zł brutto 8%", contains="nazwę nabywcy")
    await bot_app.say(user, "Anna Nowak", contains="adres nabywcy")
    first = await bot_app.say(user, "-", contains="Podgląd faktury")
    assert "konsument, bez NIP" in first.content and "Ceny: brutto" in first.content
    assert "Ceny na tej fakturze: brutto — tak wpisano pierwszą pozycję" in first.content
    second = await bot_app.press(user, first, "➕ Dodaj pozycję", contains="pozycję faktury")
    second = await bot_app.say(user, "Dętka 2 szt x 25", contains="Podgląd faktury")
    assert "2. Dętka — 2 szt. × 25,00 zł brutto = 50,00 zł, VAT 23%" in plain(second)
    # The first preview's Confirm would issue an invoice it never showed: refused, the current one shown.
    stale = await bot_app.press(user, first, CONFIRM, contains="nieaktualny")
    assert "Dętka" in stale.content and await bot_app.table_rows("issued_invoices") == []
    # Change one field of one line, then remove another line.
    pick = await bot_app.press(user, stale, "✏️ Popraw pozycje", contains="Którą pozycję")
    fields = await bot_app.press(user, pick, "2. Dętka", contains="Co zmienić")
    await bot_app.press(user, fields, "Cena", contains="cenę jednostkową brutto")
    edited = await bot_app.say(user, "30 zł", contains="Podgląd faktury")
    assert "× 30,00 zł brutto = 60,00 zł" in plain(edited) and "Naprawa roweru" in edited.content
    pick = await bot_app.press(user, edited, "✏️ Popraw pozycje", contains="Którą pozycję")
    fields = await bot_app.press(user, pick, "1. Naprawa roweru", contains="Co zmienić")
    removed = await bot_app.press(user, fields, "🗑 Usuń pozycję", contains="Podgląd faktury")
    assert "Usunięto pozycję 1" in removed.content and "Naprawa" not in removed.content.split("Podgląd")[1]
    # Sale date yesterday, paid in cash today.
    more = await bot_app.press(user, removed, "⚙️ Więcej", contains="Co zmienić")
    await bot_app.press(user, more, "📅 Data sprzedaży", contains="datę sprzedaży")
    dated = await bot_app.say(user, "wczoraj", contains="Data sprzedaży:")
    more = await bot_app.press(user, dated, "⚙️ Więcej", contains="Co zmienić")
    methods = await bot_app.press(user, more, "💳 Forma płatności", contains="Jak nabywca płaci")
    cash = await bot_app.press(user, methods, "Gotówka", contains="Płatność: gotówka")
    more = await bot_app.press(user, cash, "⚙️ Więcej", contains="Co zmienić")
    methods = await bot_app.press(user, more, "💳 Forma płatności", contains="Jak nabywca płaci")
    when = await bot_app.press(user, methods, "✔️ Już zapłacono", contains="Kiedy zapłacono")
    paid = await bot_app.press(user, when, "Dziś", contains="Zapłacono gotówką")
    summary, printed = await issued(bot_app, user, paid)
    assert summary.buyer.nip is None and summary.buyer.name == "Anna Nowak"
    assert [line.name for line in summary.lines] == ["Dętka"] and summary.gross_total == 60
    assert summary.sale_date is not None and summary.sale_date < summary.issue_date
    assert summary.payment.paid and summary.payment.method == "1" and summary.payment.due_dates == ()
    assert "Data sprzedaży" in printed and "gotówka" in printed.lower()


async def test_a_listed_buyer_in_euro_with_split_payment(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 7003)
    nip = random_valid_nip()
    registered = bot_app.sim.admin.post("/sim/wl/subjects", json={
        "nip": nip, "name": "STALEX SPÓŁKA Z O.O.", "statusVat": "Czynny",
        "residenceAddress": "UL. HUTNICZA 7, 40-001 KATOWICE"})
    assert registered.status_code == 201
    card = await bot_app.say(user, f"/wystaw {nip} Pręty stalowe 1 x 4 000 EUR", contains="wykazu podatników")
    assert "STALEX SPÓŁKA Z O.O." in card.content and "czynny podatnik VAT" in card.content
    # The rate cannot be had: said so, nothing changed, the same choice offered again.
    bot_app.sim.admin.put("/sim/nbp", json={"mode": "error500"})
    failed = await bot_app.press(user, card, "✅ Użyj tych danych", contains="NBP")
    assert "Faktury nie zmieniono" in failed.content
    assert [b.text for b in failed.all_buttons] == ["🔁 Spróbuj ponownie", "Wystaw w PLN", "✖ Anuluj"]
    dialog = await bot_app.services.dialogs.get(user.chat_id)
    assert dialog is not None and dialog.step == "buyer_found"  # the line and currency wait for a rate
    assert await bot_app.table_rows("issued_invoices") == []
    bot_app.sim.admin.put("/sim/nbp", json={"mode": "up"})
    preview = await bot_app.press(user, failed, "🔁 Spróbuj ponownie", contains="Podgląd faktury")
    text = plain(preview)
    rate = re.search(r"kurs średni NBP (\d+,\d+) zł \(tabela (\d{3}/A/NBP/\d{4}) z ", text)
    assert rate is not None, text
    assert "UL. HUTNICZA 7, 40-001 KATOWICE" in text and "4 000,00 €" in text
    assert "załącznika nr 15" in text and CONFIRM not in [b.text for b in preview.all_buttons]
    answered = await bot_app.press(user, preview, "Tak — załącznik 15 (MPP)", contains="Podgląd faktury")
    assert "Adnotacje: mechanizm podzielonej płatności" in answered.content
    summary, printed = await issued(bot_app, user, answered)
    assert summary.currency == "EUR" and summary.split_payment
    assert summary.exchange_rate_table == rate.group(2)
    assert str(summary.exchange_rate).replace(".", ",") == rate.group(1)
    assert summary.buyer.address_lines == ("UL. HUTNICZA 7", "40-001 KATOWICE")
    assert rate.group(2) in printed and "mechanizm podzielonej płatności" in printed
    assert "Kwota VAT w złotych" in printed or "VAT w złotych" in printed


async def test_white_list_failures_each_get_their_note_and_typing_by_hand_works(bot_factory: Any) -> None:
    bot: BotHarness = await bot_factory(public_api_timeout=0.5)
    user, _, _ = await ready(bot, 7004)
    listed = random_valid_nip()
    bot.sim.admin.post("/sim/wl/subjects",
                       json={"nip": listed, "name": "Firma Testowa", "statusVat": "Zwolniony"})
    cases = (("error500", "nie odpowiada"), ("slow", "nie odpowiada"), ("limit", "limit zapytań"))
    for mode, says in cases:
        bot.sim.admin.put("/sim/wl/failure", json={"mode": mode, "slowSeconds": 5})
        answer = await bot.say(user, f"/wystaw {listed}", contains="nazwę nabywcy")
        assert says in answer.content, (mode, answer.content)
        await bot.say(user, "/cancel", contains="")
    bot.sim.admin.put("/sim/wl/failure", json={"mode": "none"})
    # MF said WL-191 today: the budget in the database keeps the bot from asking again until midnight.
    answer = await bot.say(user, f"/wystaw {listed}", contains="nazwę nabywcy")
    assert "limit zapytań" in answer.content
    budget = {row["method"]: row for row in await bot.table_rows("whitelist_budget")}
    assert budget["search"]["exhausted"] and budget["search"]["used"] == 3
    await bot.say(user, "/cancel", contains="")
    async with bot.db.transaction() as session:  # the next day the list is asked again
        from sqlalchemy import update

        from bot.store.models_issuing import WhiteListBudget
        await session.execute(update(WhiteListBudget).values(exhausted=False, used=0))
    card = await bot.say(user, f"/wystaw {listed}", contains="wykazu podatników")
    assert "podatnik zwolniony z VAT" in card.content and "nie jest czynnym podatnikiem" in card.content
    named = await bot.press(user, card, "✏️ Zmień nazwę", contains="nazwę nabywcy")
    assert named is not None
    await bot.say(user, "Firma Testowa Anna Kowalska", contains="pozycję faktury")
    preview = await bot.say(user, "Projekt 1 x 1000", contains="Podgląd faktury")
    assert "Firma Testowa Anna Kowalska" in preview.content
    await bot.say(user, "/cancel", contains="")
    # Asked again the same day: answered from the database, MF is not asked twice.
    before = len(bot.sim.admin.get("/sim/wl/requests", params={"method": "search"}).json()["requests"])
    await bot.say(user, f"/wystaw {listed}", contains="wykazu podatników")
    after = len(bot.sim.admin.get("/sim/wl/requests", params={"method": "search"}).json()["requests"])
    assert after == before
    assert await bot.table_rows("issued_invoices") == []


async def test_options_and_line_fields_each_show_the_whole_preview_again(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 7005)
    await bot_app.say(user, f"/wystaw {BUYER_NIP} Usługa\u200b IT 10 h x 150,50", contains="nazwę nabywcy")
    await bot_app.say(user, "ACME Sp. z o.o.", contains="adres nabywcy")
    preview = await bot_app.say(user, "-", contains="Podgląd faktury")
    assert "usunięto niewidoczne znaki" in preview.content and "1. Usługa IT — 10 h" in preview.content
    added = await bot_app.press(user, preview, "➕ Dodaj pozycję", contains="pozycję faktury")
    converted = await bot_app.say(user, "Konsultacja 1 x 200 zł brutto", contains="Podgląd faktury")
    assert "Pozycja 2: 200,00 zł brutto → 162,60 zł netto" in plain(converted) and added is not None
    # The whole invoice to gross prices: every line converted and listed.
    more = await bot_app.press(user, converted, "⚙️ Więcej", contains="Co zmienić")
    switched = await bot_app.press(user, more, "🔀 Zmień na ceny brutto", contains="Podgląd faktury")
    text = plain(switched)
    assert "Ceny na tej fakturze: brutto" in text and "Pozycja 1: 150,50 zł netto → 185,115 zł brutto" in text
    assert "Pozycja 2: 162,60 zł netto → 200,00 zł brutto" in text and "Ceny: brutto" in text
    # One field of one line: its rate, by a button.
    pick = await bot_app.press(user, switched, "✏️ Popraw pozycje", contains="Którą pozycję")
    fields = await bot_app.press(user, pick, "2. Konsultacja", contains="Co zmienić")
    rates = await bot_app.press(user, fields, "Stawka VAT", contains="Wybierz stawkę VAT")
    rated = await bot_app.press(user, rates, "8%", contains="Podgląd faktury")
    assert "= 200,00 zł, VAT 8%" in plain(rated)
    # Another account and a due date for this invoice only.
    more = await bot_app.press(user, rated, "⚙️ Więcej", contains="Co zmienić")
    await bot_app.press(user, more, "🏦 Inny rachunek", contains="numer rachunku")
    await bot_app.say(user, "12 3456", contains="To nie jest poprawny numer rachunku")
    accounted = await bot_app.say(user, "27 1140 2004 0000 3002 0135 5387", contains="Podgląd faktury")
    assert "Rachunek: 27 1140 2004 0000 3002 0135 5387" in accounted.content
    more = await bot_app.press(user, accounted, "⚙️ Więcej", contains="Co zmienić")
    await bot_app.press(user, more, "⏱ Termin płatności", contains="termin płatności")
    await bot_app.say(user, "za tydzień", contains="Nie rozumiem terminu płatności")
    due = bot_app.services.issuing.today() + timedelta(days=40)
    refused = await bot_app.say(user, "31.12.2099")  # FA(3) dates end in 2050: refused, asked again
    assert "poza zakresem" in refused.content and "termin płatności" in refused.content
    termed = await bot_app.say(user, due.strftime("%d.%m.%Y"), contains="Podgląd faktury")
    assert f"Płatność: przelew, termin {fmt_date('pl', due)}" in termed.content
    summary, printed = await issued(bot_app, user, termed)
    assert summary.payment.bank_accounts == ("27114020040000300201355387",)
    assert [line.name for line in summary.lines] == ["Usługa IT", "Konsultacja"]
    assert [line.vat_rate for line in summary.lines] == ["23", "8"] and summary.lines[1].gross == 200
    assert summary.payment.due_dates == (due,) and due.strftime("%d.%m.%Y") in printed
    company_id = (await bot_app.table_rows("issued_invoices"))[0]["company_id"]
    profile = await bot_app.services.profiles.get(company_id)
    assert profile is not None and profile.bank_account == "61 1090 1014 0000 0712 1981 2874"  # unchanged
