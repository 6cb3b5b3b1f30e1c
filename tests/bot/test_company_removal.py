"""Removing a company or /forget never deletes an invoice still on its way to KSeF; the confirmation
names what will be deleted."""

from __future__ import annotations

from bot.services.issuing import Draft, InvoiceState
from tests.bot.test_companies import company_cards
from tests.bot.test_issuing import BUYER_NIP, ready
from tests.fixtures.bot import BotHarness

DRAFT = {"buyer": {"nip": BUYER_NIP, "name": "ACME", "address": []},
         "lines": [{"name": "Usługa", "quantity": "1", "unit_price": "10", "vat_rate": "23"}]}


async def test_removal_and_forget_wait_for_invoices_on_their_way_to_ksef(bot_factory: object) -> None:
    # The issuing job stays out of the way: the test moves the invoice itself.
    bot: BotHarness = await bot_factory(issuing_interval=3600, issuing_first=3600)  # type: ignore[operator]
    user, nip, company_id = await ready(bot, 3601)
    cards = await company_cards(bot, user, 1)
    confirm = await bot.press(user, cards[0], "Usuń firmę", contains="Usunąć firmę")
    assert "Zostaną usunięte: token KSeF, dane sprzedawcy i ustawienia." in confirm.content
    # Meanwhile an invoice is issued while KSeF is down (no offline certificate): it waits for KSeF.
    issuing = bot.services.issuing
    bot.sim.set_availability(api="down")
    view = await issuing.issue((await issuing.prepare(user.id, user.chat_id, company_id,
                                                      Draft.from_json(DRAFT))).id)
    assert view.state is InvoiceState.WAITING
    refused = await bot.press(user, confirm, "Tak, usuń", contains="nie można teraz usunąć")
    assert f"{view.number} — czeka, aż KSeF znów zadziała" in refused.content
    again = await bot.press(user, cards[0], "Usuń firmę", contains="nie można teraz usunąć")
    assert "Tak, usuń" not in {b.text for b in again.all_buttons}  # no confirmation to press
    forget = await bot.say(user, "/forget", contains="Twoich danych nie można jeszcze usunąć")
    assert view.number in forget.content and not forget.all_buttons
    assert len(await bot.table_rows("companies")) == 1 and len(await bot.table_rows("issued_invoices")) == 1
    # KSeF back, the invoice accepted: now the company can go, and the confirmation says what goes with it.
    bot.sim.set_availability(api="up")
    await issuing.process_pending()
    assert (await issuing.get(view.id)).state is InvoiceState.ACCEPTED
    confirm = await bot.press(user, cards[0], "Usuń firmę", contains="Usunąć firmę")
    assert "1 wystawiona faktura (z plikami XML)" in confirm.content
    await bot.press(user, confirm, "Tak, usuń", contains=f"NIP {nip} została usunięta")
    assert await bot.table_rows("companies") == [] and await bot.table_rows("issued_invoices") == []
