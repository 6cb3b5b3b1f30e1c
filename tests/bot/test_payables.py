"""Supplier invoices to pay, on the harness clock: due-date reminders the day before and on the day (once
each, held by quiet hours, stopped by a payment), marking paid in one tap or by a typed part, undo, the
``/platnosci`` list and its stale or forged buttons. Invoices come from the simulator through the real
sync, or are stored by the sync's own storage (``InboxService.store_found``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.services.inbox import FoundInvoice
from ksef.fa3 import build, invoice_from_dict
from ksef.timezone import WARSAW
from tests.bot.test_companies import forged_press
from tests.bot.test_inbox import all_stored
from tests.bot.test_issuing import ready
from tests.bot.test_notify import (  # the fixtures run each database test on SQLite and PostgreSQL
    BASE_INVOICE,
    any_bot_factory_fixture,  # noqa: F401
    backend_fixture,  # noqa: F401
    connected_bot,
)
from tests.fixtures.bot import BotHarness

TITLE = "Terminy płatności"
SELLER = "Hurtownia Papieru Kowalski"


def supplier_xml(buyer_nip: str, number: str, due: date, price: str = "20.00") -> bytes:
    """A supplier's invoice to ``buyer_nip``: 10 × ``price`` net at 23 % plus a 50,00 zł book at 5 %."""
    lines = [{**BASE_INVOICE["lines"][0], "unit_price": price}, BASE_INVOICE["lines"][1]]
    data = {**BASE_INVOICE, "number": number, "buyer": {**BASE_INVOICE["buyer"], "nip": buyer_nip},
            "lines": lines, "payment": {**BASE_INVOICE["payment"], "due_date": due.isoformat()}}
    return build(invoice_from_dict(data))


def warsaw_today(bot: BotHarness) -> date:
    return bot.clock().astimezone(WARSAW).date()


def move_to(bot: BotHarness, day: date, hour: int) -> None:
    """Move the harness clock forward to ``hour``:00 of ``day`` in Warsaw."""
    target = datetime.combine(day, time(hour), WARSAW)
    assert target > bot.clock()
    bot.clock.advance(target - bot.clock())


def reminders(bot: BotHarness, chat_id: int) -> list[ChatMessage]:
    return [m for m in bot.fake.bot_messages(chat_id) if TITLE in m.content]


def flat(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


async def due_rows(bot: BotHarness) -> list[dict[str, Any]]:
    return [r for r in await bot.table_rows("outbox") if r["kind"] == "payables.due"]


async def stored(bot: BotHarness, company_id: int, number: str, due: date | None, gross: str = "298.50",
                 currency: str = "PLN") -> int:
    """A supplier invoice stored as the sync stores it (no notification)."""
    found = FoundInvoice(ksef_number=f"5265877635-20261201-{number.encode().hex().upper():0>12}-AB",
                         seller_nip="5265877635", seller_name=SELLER, invoice_number=number,
                         issue_date=date(2026, 12, 1), gross=gross, currency=currency, stored_at=None,
                         due_date=due, bank_account="61109010140000071219812874")
    async with bot.db.transaction() as session:
        [invoice_id] = await bot.services.inbox.store_found(session, company_id, [found], notify=False)
    return invoice_id


async def answer_to_forged(bot: BotHarness, user: FakeUser, data: str) -> str:
    """Press a button with ``data`` (forged) and return the bot's answer."""
    count = len(bot.fake.bot_messages(user.chat_id))
    await forged_press(bot, user, data)
    await bot.fake.wait_until(lambda: len(bot.fake.bot_messages(user.chat_id)) > count, timeout=10,
                              message=f"an answer to {data}")
    return bot.fake.bot_messages(user.chat_id)[-1].content


async def test_reminders_the_day_before_and_on_the_day_once_and_stopped_by_payments(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory, payables_interval=0.2)
    due = warsaw_today(bot) + timedelta(days=3)
    for number, when, price in (("A/1", due, "20.00"), ("B/1", due, "30.00"), ("C/1", due + timedelta(days=5),
                                                                                "20.00")):
        bot.sim.inject_invoice(supplier_xml(nip, number, when, price))
    await all_stored(bot, 3)
    rows = {r["invoice_number"]: r for r in await bot.table_rows("received_invoices")}
    assert rows["A/1"]["due_date"] == due and rows["C/1"]["due_date"] == due + timedelta(days=5)
    payables = bot.services.payables

    # The day before, early morning: nothing yet (reminders never go out at night).
    move_to(bot, due - timedelta(days=1), 7)
    assert await payables.queue_due() == 0
    # From 8:00: the job queues one message listing both invoices due tomorrow (not C/1).
    move_to(bot, due - timedelta(days=1), 10)
    [before] = await bot.fake.wait_until(lambda: reminders(bot, user.chat_id), timeout=20,
                                         message="the day-before reminder")
    text = flat(before.content)
    assert "Jutro" in text and "A/1" in text and "B/1" in text and "C/1" not in text
    assert "298,50 zł" in text and "421,50 zł" in text  # 246 + 52,50; 369 + 52,50 (the books at 5 %)
    labels = [b.text for b in before.all_buttons]
    assert "✅ A/1" in labels and "✅ B/1" in labels and "📋 Wszystkie do zapłaty" in labels
    # Not again, however often the job runs that day.
    assert await payables.queue_due() == 0
    bot.clock.advance(timedelta(hours=3))
    assert await payables.queue_due() == 0
    assert len(await due_rows(bot)) == 1

    # A/1 paid in one tap; 100,50 zł of B/1 paid.
    done = await bot.press(user, before, "✅ A/1", contains="Zapisano")
    assert "A/1" in done.content and "298,50 zł" in flat(done.content)
    [_, part] = [b for b in before.all_buttons if b.text == "Częściowo"]
    asked = await bot.press(user, before, part.callback_data or "", contains="Ile zapłacono")
    assert "B/1" in asked.content and "421,50 zł" in flat(asked.content)
    recorded = await bot.say(user, "100,50", contains="Zapisano wpłatę")
    assert "Zostało do zapłaty 321,00 zł." in flat(recorded.content)

    # On the day: B/1 only, with what is left; A/1 is paid.
    move_to(bot, due, 9)
    await bot.fake.wait_until(lambda: len(reminders(bot, user.chat_id)) == 2, timeout=20,
                              message="the on-the-day reminder")
    on_day = flat(reminders(bot, user.chat_id)[-1].content)
    assert "Dziś" in on_day and "B/1" in on_day and "321,00 zł z 421,50 zł" in on_day and "A/1" not in on_day
    assert await payables.queue_due() == 0

    # The day after: no more reminders; the list puts B/1 first, overdue, with the rest.
    move_to(bot, due + timedelta(days=1), 10)
    assert await payables.queue_due() == 0
    listing = await bot.say(user, "/platnosci", contains="Do zapłaty")
    shown = flat(listing.content)
    assert "Po terminie: 1 faktura" in shown and "2 faktury do zapłaty" in shown
    assert shown.index("B/1") < shown.index("C/1") and "A/1" not in shown
    assert "1 dzień temu" in shown and "321,00 zł z 421,50 zł" in shown
    assert len(reminders(bot, user.chat_id)) == 2


async def test_quiet_hours_hold_the_reminder_and_the_switch_and_mute_stop_it(
        any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(inbox_tick=0.2, payables_interval=3600)
    user, _, company_id = await ready(bot, 7101)
    other = bot.user(7102)
    today = warsaw_today(bot)
    due = today + timedelta(days=2)
    ids = [await stored(bot, company_id, f"Q/{n}", due) for n in range(1, 4)]
    await stored(bot, company_id, "LATER/1", due + timedelta(days=10))
    svc = bot.services.payables

    # Turned off: nothing; turned on again with the command.
    assert await svc.payment_reminders(user.id, company_id)
    off = await bot.say(user, "/przypomnienia wylacz", contains="wyłączone")
    assert "NIP" in off.content
    assert not await svc.payment_reminders(user.id, company_id)
    move_to(bot, due - timedelta(days=1), 10)
    assert await svc.queue_due() == 0
    await bot.say(user, "/przypomnienia wlacz", contains="włączone")

    # Muted notifications of the company: no reminders either.
    await bot.services.inbox.set_muted(user.id, company_id, True)
    assert await svc.queue_due() == 0
    await bot.services.inbox.set_muted(user.id, company_id, False)

    # Quiet hours around now: queued, held until they end, then delivered once.
    await bot.services.inbox.set_quiet_hours(user.id, company_id, 9 * 60, 12 * 60)
    assert await svc.queue_due() == 1
    [row] = await due_rows(bot)
    assert row["status"] == "pending" and row["not_before"] is not None
    assert row["dedupe_key"] == f"payables.due:{ids[0]}:{user.id}:before"
    assert reminders(bot, user.chat_id) == []
    assert await svc.queue_due() == 0  # not twice
    move_to(bot, due - timedelta(days=1), 12)
    [message] = await bot.fake.wait_until(lambda: reminders(bot, user.chat_id), timeout=15,
                                          message="the held reminder")
    text = flat(message.content)
    assert all(f"Q/{n}" in text for n in (1, 2, 3)) and "LATER/1" not in text
    assert reminders(bot, other.chat_id) == []  # not a member: never told


async def test_list_marks_undoes_and_refuses_what_does_not_fit(any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(inbox_tick=0.2)
    user, nip, company_id = await ready(bot, 7201)
    empty = await bot.say(user, "/platnosci", contains="nie ma nic do zapłaty")
    assert "zaległe na górze" in empty.content
    today = warsaw_today(bot)
    late = await stored(bot, company_id, "L/1", today - timedelta(days=5), gross="1234.56")
    soon = await stored(bot, company_id, "S/1", today + timedelta(days=1), gross="100.00")
    undated = await stored(bot, company_id, "N/1", None, gross="50.00")
    euro = await stored(bot, company_id, "E/1", today + timedelta(days=20), gross="80.00", currency="EUR")

    listing = await bot.say(user, "/platnosci", contains="Do zapłaty")
    shown = flat(listing.content)
    assert "Po terminie: 1 faktura" in shown and "4 faktury do zapłaty. Razem 1 384,56 zł + 80,00 €." in shown
    order = [shown.index(n) for n in ("L/1", "S/1", "E/1", "N/1")]
    assert order == sorted(order) and "5 dni temu" in shown
    assert "termin jutro" in shown and "bez terminu" in shown
    assert "🔕 Wyłącz przypomnienia" in [b.text for b in listing.all_buttons]

    # Part of L/1: more than is left refused, an unreadable amount explained, the right one recorded.
    asked = await bot.press(user, listing, "pb:part:" + str(late), contains="Ile zapłacono")
    assert "1 234,56 zł" in flat(asked.content)
    too_much = await bot.say(user, "2000", contains="więcej")
    assert "1 234,56 zł" in flat(too_much.content)
    unreadable = await bot.say(user, "sto złotych")
    assert "Zapisano" not in unreadable.content
    wrong = await bot.say(user, "100 EUR", contains="Ta faktura jest w PLN")
    assert wrong.content
    recorded = await bot.say(user, "1 000,00", contains="Zapisano wpłatę")
    assert "Zostało do zapłaty 234,56 zł." in flat(recorded.content)
    [row] = [r for r in await bot.table_rows("received_invoices") if r["id"] == late]
    assert row["paid_minor"] == 100_000 and row["paid_at"] is None

    # The rest in one tap, then undo (once: the second tap changes nothing).
    paid = await bot.press(user, listing, f"pb:paid:{late}", contains="Zapisano")
    assert "234,56 zł" in flat(paid.content)
    [row] = [r for r in await bot.table_rows("received_invoices") if r["id"] == late]
    assert row["paid_minor"] == 123_456 and row["paid_at"] is not None and row["paid_source"] == "user"
    again = await bot.press(user, listing, f"pb:paid:{late}", contains="już oznaczona")
    assert again.content
    undone = await bot.press(user, paid, "↩️ Cofnij", contains="Cofnięto")
    assert "234,56 zł" in flat(undone.content)
    [row] = [r for r in await bot.table_rows("received_invoices") if r["id"] == late]
    assert row["paid_minor"] == 100_000 and row["paid_at"] is None and row["paid_source"] is None
    await bot.press(user, paid, "↩️ Cofnij", contains="Nie ma czego cofnąć")

    # A foreign-currency invoice: amounts in its currency.
    euro_listing = await bot.say(user, "/platnosci", contains="Do zapłaty")
    assert "80,00 €" in flat(euro_listing.content)
    euro_paid = await bot.press(user, euro_listing, f"pb:paid:{euro}", contains="Zapisano")
    assert "80,00 €" in flat(euro_paid.content)

    # Reminders off from the list's button; the list says so.
    switched = await bot.press(user, listing, "🔕 Wyłącz przypomnienia", contains="Do zapłaty")
    assert "wyłączone" in switched.content
    assert not await bot.services.payables.payment_reminders(user.id, company_id)

    # Stale and forged buttons: an unknown invoice, another company's invoice, malformed data.
    stranger = bot.user(7202)
    _, _, other_company = await ready(bot, 7202)
    foreign = await stored(bot, other_company, "X/1", today, gross="10.00")
    await bot.say(stranger, "/platnosci", contains="Do zapłaty")
    for data in (f"pb:paid:{foreign}", "pb:paid:99999", "pb:undo:1", f"pb:rem:{other_company}:1",
                 f"pb:rem:{company_id}:7", "pb:part:abc", f"pb:list:{other_company}:0"):
        answer = await answer_to_forged(bot, user, data)
        assert "nieaktualny" in answer or "dostępu" in answer, (data, answer)
    [row] = [r for r in await bot.table_rows("received_invoices") if r["id"] == foreign]
    assert row["paid_minor"] is None and row["paid_at"] is None
    assert {r["id"] for r in await bot.table_rows("received_invoices") if r["paid_at"] is None} \
        == {late, soon, undated, foreign}
    assert nip



async def test_each_member_has_own_switch_and_language_and_a_huge_answer_is_refused(
        bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(inbox_tick=0.2)
    owner, _, company_id = await ready(bot, 7301)
    member = bot.user(7302)
    payload = await bot.services.members.invite(owner.id, company_id)
    await bot.services.members.accept(member.id, member.chat_id, payload)
    await bot.services.companies.set_language(member.id, member.chat_id, "en")
    due = warsaw_today(bot) + timedelta(days=1)
    invoice = await stored(bot, company_id, "M/1", due, gross="1500.00")
    await bot.services.payables.set_payment_reminders(owner.id, company_id, False)

    move_to(bot, due, 8)  # 8:00 on the due date: the first moment reminders go out
    assert await bot.services.payables.queue_due() == 1
    [row] = await due_rows(bot)
    assert row["user_id"] == member.id and row["dedupe_key"] == f"payables.due:{invoice}:{member.id}:day"
    [message] = await bot.fake.wait_until(lambda: [m for m in bot.fake.bot_messages(member.chat_id)
                                                   if "Payment due dates" in m.content], timeout=15,
                                          message="the member's reminder in English")
    assert "Today" in message.content and "M/1" in message.content
    assert {b.text for b in message.all_buttons} == {"💸 Pay", "✅ Paid", "Partly paid",
                                                     "📋 Everything to pay"}
    assert reminders(bot, owner.chat_id) == []

    # The owner answers a part payment with a huge text: refused, nothing stored, the question stays.
    listing = await bot.say(owner, "/platnosci", contains="Do zapłaty")
    await bot.press(owner, listing, f"pb:part:{invoice}", contains="Ile zapłacono")
    huge = await owner.send_text("1" * 5000)
    refused = await bot.fake.wait_for_bot_message(owner.chat_id, None, after=huge.message_id)
    assert "Nie rozumiem tej kwoty" in refused.content
    [stored_row] = await bot.table_rows("received_invoices")
    assert stored_row["paid_minor"] is None
    zero = await owner.send_text("0")
    await bot.fake.wait_for_bot_message(owner.chat_id, lambda m: "większa od zera" in m.content,
                                        after=zero.message_id)
    # A sticker: the question stands; the refused answer edited is taken as the answer.
    await bot.reply_to(owner, lambda: owner.send_sticker(),
                       predicate=lambda m: "Czekam na odpowiedź" in m.content)
    edited = await bot.reply_to(owner, lambda: owner.edit(zero, "700"),
                                predicate=lambda m: "Zapisano wpłatę" in m.content)
    assert "Zostało do zapłaty 800,00 zł" in flat(edited.content)
    await bot.press(owner, listing, f"pb:part:{invoice}", contains="Ile zapłacono")
    await bot.say(owner, "1500 zł", contains="więcej")
    done = await bot.say(owner, "800", contains="Zapisano")
    assert "zapłacona — 800,00 zł" in flat(done.content)

    # Paid before the member pressed anything: the member's button now says so.
    answer = await bot.press(member, message, "✅ Paid", contains="already")
    assert "marked as paid" in answer.content


async def test_many_invoices_due_the_same_day_make_one_message_that_fits(
        bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(inbox_tick=0.2)
    user, _, company_id = await ready(bot, 7401)
    due = warsaw_today(bot) + timedelta(days=1)
    long_number = "FV/2026/12/" + "9" * 40
    for n in range(60):
        await stored(bot, company_id, f"{long_number}/{n:02d}", due, gross=f"{1000 + n}.00")
    move_to(bot, due, 11)
    assert await bot.services.payables.queue_due() == 1
    assert await bot.services.payables.queue_due() == 0
    [message] = await bot.fake.wait_until(lambda: reminders(bot, user.chat_id), timeout=15,
                                          message="one reminder for sixty invoices")
    text = flat(message.content)
    shown = text.count(long_number)
    assert 10 < shown < 60 and f"…i {60 - shown} więcej — pełna lista: /platnosci" in text
    assert len(message.content) <= 4096 and "Po zapłacie" in text
    assert len([b for b in message.all_buttons if b.text == "Częściowo"]) == 5
    [row] = await due_rows(bot)
    assert len(row["payload"]["due_today"]) == 60  # all told: none comes again in the next round

    # The list from the reminder's button, ten a page.
    first = await bot.press(user, message, "📋 Wszystkie do zapłaty", contains="Do zapłaty")
    assert "Pozycje 1–10 z 60." in first.content and f"{long_number}/09" in first.content
    assert f"{long_number}/10" not in first.content
    second = await bot.press(user, first, "Następne »", contains="Pozycje 11–20 z 60.")
    assert f"{long_number}/10" in second.content and "⏰ termin dziś" in second.content
    labels = {b.text for b in second.all_buttons}
    assert labels >= {"« Poprzednie", "Następne »", "✅ 11. " + long_number[:23] + "…"}


async def test_a_held_reminder_of_invoices_paid_meanwhile_is_dropped_and_a_crash_tells_once(
        bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(inbox_tick=0.2)
    user, _, company_id = await ready(bot, 7501)
    due = warsaw_today(bot) + timedelta(days=2)
    paid_meanwhile = await stored(bot, company_id, "P/1", due)
    later = await stored(bot, company_id, "P/2", due + timedelta(days=1))
    svc = bot.services.payables

    # Held by quiet hours, paid before they end: the reminder is dropped, never sent.
    await bot.services.inbox.set_quiet_hours(user.id, company_id, 9 * 60, 11 * 60)
    move_to(bot, due - timedelta(days=1), 10)
    assert await svc.queue_due() == 1
    await svc.mark_paid(user.id, paid_meanwhile)
    move_to(bot, due - timedelta(days=1), 11)

    async def dropped() -> bool:
        return [r["status"] for r in await due_rows(bot)] == ["dropped"]

    await bot.eventually(dropped, message="the reminder dropped")
    assert reminders(bot, user.chat_id) == []

    # Queued, then the process crashes: after the restart it is told once, and not queued again.
    move_to(bot, due, 12)
    assert await svc.queue_due() == 1
    await bot.crash_and_restart()
    await bot.fake.wait_until(lambda: reminders(bot, user.chat_id), timeout=20, message="the reminder")
    assert await bot.services.payables.queue_due() == 0
    [message] = reminders(bot, user.chat_id)
    assert "P/2" in message.content and "P/1" not in message.content and later


async def test_members_paying_one_invoice_at_once_lose_no_payment(
        any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory()
    owner, _, company_id = await ready(bot, 7601)
    member = bot.user(7602)
    await bot.services.members.accept(member.id, member.chat_id,
                                      await bot.services.members.invite(owner.id, company_id))
    invoice = await stored(bot, company_id, "C/1", warsaw_today(bot), gross="1000.00")
    svc = bot.services.payables
    await asyncio.gather(*(svc.add_payment(who, invoice, Decimal("10.00"))
                           for who in [owner.id, member.id] * 10))
    assert (await svc.get(owner.id, invoice)).left == Decimal("800.00")
    [row] = await bot.table_rows("received_invoices")
    assert row["paid_minor"] == 20_000 and row["paid_at"] is None
