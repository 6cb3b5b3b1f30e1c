"""Your sales through the chat (real Application, fake Bot API, simulator): the register, the card, a
correction confirmed from its preview, payments with undo, the UPO summary."""

from __future__ import annotations

from lxml import etree

from bot.sandbox.botapi import ChatMessage, FakeUser
from ksef.fa3 import parse
from ksef.offline import today_in_poland
from ksef.schemas import FA3_NAMESPACE, schema_errors
from tests.bot.test_issuing import BUYER_NIP, confirm_and_collect, ready, sim_invoice_xml, to_preview
from tests.fixtures.bot import BotHarness
from tests.unit.test_pdf import text_of

NS = {"fa": FA3_NAMESPACE}


def plain(message: ChatMessage) -> str:
    """The message's text with no-break spaces (amounts) as plain ones."""
    return message.content.replace("\xa0", " ").replace("\u202f", " ")


async def edited(bot: BotHarness, user: FakeUser, message: ChatMessage, contains: str) -> ChatMessage:
    """Wait until ``message`` is edited in place to show ``contains``."""
    def found() -> ChatMessage | None:
        current = bot.fake.message(user.chat_id, message.message_id)
        return current if current is not None and current.edited and contains in current.content else None
    result: ChatMessage = await bot.fake.wait_until(found, timeout=15,
                                                    message=f"an edit showing {contains!r}")
    return result


async def issue(bot: BotHarness, user: FakeUser, command: str, *, first: bool = True) -> dict[str, object]:
    if first:
        preview = await to_preview(bot, user, command)
    else:
        preview = await bot.say(user, command, contains="Podgląd faktury")
    await confirm_and_collect(bot, user, preview)
    rows = await bot.table_rows("issued_invoices")
    return max(rows, key=lambda r: r["id"])


def card_of(bot: BotHarness, user: FakeUser, after: int) -> ChatMessage:
    return next(m for m in bot.fake.chat_messages(user.chat_id)
                if m.from_bot and m.message_id > after and "Faktura" in m.content and m.all_buttons)


async def test_register_card_price_correction_payment_and_upo(bot_app: BotHarness) -> None:
    bot = bot_app
    user, _, _ = await ready(bot, 7001)
    first = await issue(bot, user, f"/wystaw {BUYER_NIP} Malowanie ścian 40 m2 x 25 23%")
    await issue(bot, user, f"/wystaw {BUYER_NIP} Montaż okna 1 x 1500 8%", first=False)

    listing = await bot.say(user, "/sprzedaz", contains="Wystawione faktury")
    assert "z 2" in listing.content and "w KSeF" in listing.content and "niezapłacona" in listing.content
    # newest first: the window (8%) before the walls
    assert plain(listing).index("1 620,00") < plain(listing).index("1 230,00")
    card = await bot.press(user, listing, f"2. {first['number']} · ACME Sp. z o.o.", contains="Numer KSeF")
    assert str(first["ksef_number"]) in card.content and "1 230,00 zł" in plain(card)

    # --- a price correction through the chat
    menu = await bot.press(user, card, "✏️ Koryguj", contains="Korekta faktury")
    line = await bot.press(user, menu, "Poz. 1: Malowanie ścian", contains="Co w niej poprawić")
    await bot.press(user, line, "Cena", contains="cena netto")
    await bot.say(user, "-5", contains="")  # a price below zero is refused with the reason
    reason = await bot.say(user, "22,50", contains="przyczynę korekty")
    preview = await bot.press(user, reason, "Błędna cena", contains="Podgląd korekty")
    shown = plain(preview)
    assert "było: 40 m2 × 25,00 zł = 1 000,00 zł (23%)" in shown
    assert "jest: 40 m2 × 22,50 zł = 900,00 zł (23%)" in shown
    assert "brutto -123,00 zł" in shown and "zwrot 123,00 zł" in shown
    await bot.press(user, preview, "✅ Zatwierdź i wyślij", contains="zapisana", timeout=60)
    accepted = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "KOR/1/" in m.content
                                                   and "przyjęta w KSeF" in m.content, timeout=60)
    await bot.press(user, accepted, "🔁 Wystaw ponownie", contains="nie wystawia się ponownie")
    rows = {r["number"]: r for r in await bot.table_rows("issued_invoices")}
    kor = next(r for n, r in rows.items() if n.startswith("KOR/"))
    assert kor["state"] == "accepted"
    assert kor["corrects_id"] == first["id"] and kor["original_id"] == first["id"]
    xml = sim_invoice_xml(bot, str(kor["ksef_number"]))
    assert xml == kor["xml"] and schema_errors("fa3", xml) == []
    root = etree.fromstring(xml)
    assert root.findtext("fa:Fa/fa:RodzajFaktury", namespaces=NS) == "KOR"
    corrected = root.findtext("fa:Fa/fa:DaneFaKorygowanej/fa:NrKSeFFaKorygowanej", namespaces=NS)
    assert corrected == first["ksef_number"]
    assert parse(xml).correction is not None and parse(xml).gross_total == -123
    pdf = await bot.fake.wait_for_bot_message(
        user.chat_id, lambda m: m.document is not None and (m.document.filename or "").startswith("KOR_")
        and (m.document.filename or "").endswith(".pdf"), after=accepted.message_id, timeout=30)
    assert pdf.document is not None
    printed = text_of(pdf.document.content)
    assert "przed korektą" in printed and "po korekcie" in printed and "różnica" in printed.lower()
    assert accepted.message_id > preview.message_id

    # --- the card now: amount due after the correction; paid in one tap, undone, then a part payment
    card = await bot.say(user, f"/sprzedaz {first['number']}", contains="Wystawione faktury")
    card = await bot.press(user, card, f"1. {first['number']} · ACME Sp. z o.o.", contains="Numer KSeF")
    assert "KOR/1/" in card.content and "do zapłaty 1 107,00 zł" in plain(card)
    await user.press(card, "💰 Zapłacona")
    paid = await edited(bot, user, card, "zapłacona")
    assert "Zapisano wpłatę 1 107,00 zł" in plain(paid)
    await user.press(paid, "↩️ Cofnij ostatnią wpłatę")
    undone = await edited(bot, user, card, "usunięta")
    assert "niezapłacona" in undone.content
    ask = await bot.press(user, undone, "Wpłata częściowa", contains="Ile wpłacił nabywca")
    too_much = await bot.say(user, "5000", contains="więcej")
    assert "1 107,00 zł" in plain(too_much)
    after = await bot.say(user, "500 zł", contains="Zapisano wpłatę")
    assert "zapłacono 500,00 zł z 1 107,00 zł" in plain(after)
    assert ask.message_id < after.message_id

    # --- the UPO: a readable summary with the file, fetched from KSeF only once
    upo = await bot.press(user, after, "✔️ UPO", contains="UPO")
    assert upo.document is not None and b"Potwierdzenie" in upo.document.content
    assert str(first["ksef_number"]) in upo.content and "Przyjęta w KSeF" in upo.content
    stored = {r["id"]: r for r in await bot.table_rows("issued_invoices")}[first["id"]]["upo"]
    assert stored == upo.document.content
    bot.sim.set_availability(api="down")  # a second look needs no KSeF
    again_upo = await bot.press(user, after, "✔️ UPO", contains="UPO")
    assert again_upo.document is not None and again_upo.document.content == stored
    bot.sim.set_availability(api="up")

    # --- issue again: a new draft from this invoice, through the normal preview
    again = await bot.press(user, after, "🔁 Wystaw ponownie", contains="Podgląd faktury")
    assert "Malowanie ścian" in again.content and "ACME" in again.content


async def test_a_stale_confirm_shows_the_current_preview_and_stores_nothing(bot_app: BotHarness) -> None:
    bot = bot_app
    user, _, _ = await ready(bot, 7002)
    await bot.say(user, "/profil korekty", contains="KOR/{n}/{YYYY}")
    await bot.say(user, "/profil korekty K-{n}", contains="musi zawierać rok")
    await bot.say(user, "/profil korekty KOR/{n}/{MM}/{YYYY}", contains="Zapisano")
    invoice = await issue(bot, user, f"/wystaw {BUYER_NIP} Malowanie ścian 40 m2 x 25 23%")
    listing = await bot.say(user, "/sprzedaz", contains="Wystawione faktury")
    card = await bot.press(user, listing, f"1. {invoice['number']} · ACME Sp. z o.o.", contains="Numer KSeF")
    menu = await bot.press(user, card, "✏️ Koryguj", contains="Korekta faktury")
    line = await bot.press(user, menu, "Poz. 1: Malowanie ścian", contains="Co w niej poprawić")
    await bot.press(user, line, "Ilość", contains="właściwa ilość")
    await bot.say(user, "-2", contains="mniejsza od zera")  # refused; the question stays open
    await bot.say(user, "40", contains="niczego nie zmienia")
    await bot.say(user, "trzy", contains="Nie rozumiem ilości")
    reason = await bot.say(user, "37 m2", contains="przyczynę korekty")
    old = await bot.press(user, reason, "Błędna ilość", contains="Podgląd korekty")
    await bot.press(user, old, "📝 Zmień przyczynę", contains="przyczynę korekty")
    current = await bot.say(user, "Zwrot 3 m2 farby", contains="Podgląd korekty")
    assert "Zwrot 3 m2 farby" in current.content and "Błędna ilość" in old.content
    stale = await bot.press(user, old, "✅ Zatwierdź i wyślij", contains="nieaktualny")
    shown = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "Podgląd korekty" in m.content,
                                                after=stale.message_id)
    assert "Zwrot 3 m2 farby" in shown.content
    assert [r["number"] for r in await bot.table_rows("issued_invoices")] == [invoice["number"]]
    await bot.press(user, shown, "✅ Zatwierdź i wyślij", contains="zapisana", timeout=60)
    month = f"KOR/1/{today_in_poland(bot.clock()):%m/%Y}"  # the series just set in /profil
    await bot.fake.wait_for_bot_message(
        user.chat_id, lambda m: month in m.content and "przyjęta" in m.content, timeout=60)
    kor = next(r for r in await bot.table_rows("issued_invoices") if r["kind"] == "KOR")
    assert parse(kor["xml"]).correction.reason == "Zwrot 3 m2 farby"  # type: ignore[union-attr]
    # the old preview's Confirm, pressed once more, stores nothing more
    await bot.press(user, old, "✅ Zatwierdź i wyślij", contains="nieaktualny")
    assert len(await bot.table_rows("issued_invoices")) == 2
