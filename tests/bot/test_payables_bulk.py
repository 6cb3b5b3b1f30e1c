"""Every overdue supplier invoice marked paid in one go from ``/platnosci``: the button (only with at least
two overdue), the confirmation (count, totals per currency), "yes" marking exactly the overdue ones,
one undo restoring exactly those rows (a part payment made before included), and stale, forged or
foreign presses changing nothing. Through the fake Bot API and the real services."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.chat.payables_bulk import day_number
from bot.i18n import fmt_date
from bot.services.errors import ServiceError
from bot.services.payables_bulk import BulkSummary
from tests.bot.test_issuing import ready
from tests.bot.test_notify import (  # the fixtures run each database test on SQLite and PostgreSQL
    any_bot_factory_fixture,  # noqa: F401
    backend_fixture,  # noqa: F401
)
from tests.bot.test_payables import answer_to_forged, flat, stored, warsaw_today
from tests.fixtures.bot import BotHarness

BULK = "✅ Zapłacone wszystkie z terminem przed"


async def paid_state(bot: BotHarness, ids: list[int]) -> dict[int, tuple[Any, bool, Any]]:
    """Each invoice's (paid_minor, paid, paid_source) as stored."""
    rows = {r["id"]: r for r in await bot.table_rows("received_invoices")}
    return {i: (rows[i]["paid_minor"], rows[i]["paid_at"] is not None, rows[i]["paid_source"]) for i in ids}


async def test_all_overdue_marked_paid_in_one_go_and_undone_in_one_go(
        any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(inbox_tick=0.2)
    user, nip, company_id = await ready(bot, 7801)
    today = warsaw_today(bot)
    overdue = [await stored(bot, company_id, "OLD/1", today - timedelta(days=40), gross="1000.00"),
               await stored(bot, company_id, "OLD/2", today - timedelta(days=3), gross="234.56"),
               await stored(bot, company_id, "OLD/3", today - timedelta(days=1), gross="80.00",
                            currency="EUR")]
    soon = await stored(bot, company_id, "NEW/1", today + timedelta(days=2), gross="50.00")
    # Part of OLD/1 was recorded before: the batch marks the rest, the undo restores the part.
    await bot.services.payables.add_payment(user.id, overdue[0], Decimal("100.00"))
    before = await paid_state(bot, [*overdue, soon])
    assert before[overdue[0]] == (10_000, False, None)

    listing = await bot.say(user, "/platnosci", contains="Do zapłaty")
    assert "Po terminie: 3 faktury" in flat(listing.content)
    label = f"{BULK} {fmt_date('pl', today)}"
    [button] = [b for b in listing.all_buttons if b.text.startswith(BULK)]
    assert button.text == label and button.callback_data == f"pb:all:{company_id}:{day_number(today)}"
    assert len((button.callback_data or "").encode()) <= 64

    # The confirmation: exactly the three, what is left of them per currency, nothing changed yet.
    confirm = await bot.press(user, listing, label, contains="Oznaczyć")
    text = flat(confirm.content)
    assert "3 faktury" in text and f"NIP {nip}" in text and "zapłacone?" in text
    assert "Razem 1 134,56 zł + 80,00 €." in text  # 900,00 (after the part) + 234,56; the euro one apart
    assert "Cofnij wszystkie" in text
    assert await paid_state(bot, [*overdue, soon]) == before

    done = await bot.press(user, confirm, "✅ Tak, oznacz", contains="Zapisano")
    assert "3 faktury oznaczone jako zapłacone — razem 1 134,56 zł + 80,00 €." in flat(done.content)
    after = await paid_state(bot, [*overdue, soon])
    assert after[overdue[0]] == (100_000, True, "user")
    assert after[overdue[1]] == (23_456, True, "user")
    assert after[overdue[2]] == (8_000, True, "user")
    assert after[soon] == (None, False, None)

    # The list now shows only the invoice not yet due, and no "all" button.
    again = await bot.say(user, "/platnosci", contains="Do zapłaty")
    shown = flat(again.content)
    assert "1 faktura do zapłaty" in shown and "NEW/1" in shown and "OLD/" not in shown
    assert not [b for b in again.all_buttons if b.text.startswith(BULK)]

    # "Yes" a second time changes nothing.
    stale = await bot.press(user, confirm, "✅ Tak, oznacz", contains="nieaktualny")
    assert "nic nie zmieniono" in stale.content
    assert await paid_state(bot, [*overdue, soon]) == after

    # One undo restores exactly those rows (the part payment of OLD/1 included); a second does nothing.
    undone = await bot.press(user, done, "↩️ Cofnij wszystkie", contains="Cofnięto")
    assert "3 faktury są znów do zapłaty" in undone.content
    assert await paid_state(bot, [*overdue, soon]) == before
    await bot.press(user, done, "↩️ Cofnij wszystkie", contains="nieaktualny")
    assert await paid_state(bot, [*overdue, soon]) == before
    restored = await bot.say(user, "/platnosci", contains="Do zapłaty")
    assert "4 faktury do zapłaty" in flat(restored.content)

    # The batch is the company's data: forgetting the owner deletes it with the company.
    assert [r["state"] for r in await bot.table_rows("payable_batches")] == ["undone"]
    await bot.services.companies.forget(user.id)
    assert await bot.table_rows("payable_batches") == []


async def test_changed_meanwhile_skipped_and_stale_forged_or_foreign_presses_change_nothing(
        any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(inbox_tick=0.2)
    user, _, company_id = await ready(bot, 7901)
    today = warsaw_today(bot)
    one = await stored(bot, company_id, "A/1", today - timedelta(days=10), gross="10.00")
    listing = await bot.say(user, "/platnosci", contains="Po terminie: 1 faktura")
    assert not [b for b in listing.all_buttons if b.text.startswith(BULK)]  # one: its own button is enough
    two = await stored(bot, company_id, "A/2", today - timedelta(days=9), gross="20.00")
    three = await stored(bot, company_id, "A/3", today - timedelta(days=8), gross="30.00")
    ids = [one, two, three]
    listing = await bot.say(user, "/platnosci", contains="Po terminie: 3 faktury")
    label = next(b.text for b in listing.all_buttons if b.text.startswith(BULK))

    # "No": nothing changes, and its "yes" no longer applies.
    confirm = await bot.press(user, listing, label, contains="Oznaczyć")
    await bot.press(user, confirm, "Nie", contains="Nic nie zmieniono")
    await bot.press(user, confirm, "✅ Tak, oznacz", contains="nieaktualny")
    assert await paid_state(bot, ids) == {i: (None, False, None) for i in ids}

    # A member of another company: neither its own "all" nor this company's confirmation works.
    stranger = bot.user(7902)
    _, _, other_company = await ready(bot, 7902)
    foreign = await stored(bot, other_company, "X/1", today - timedelta(days=5), gross="5.00")
    await bot.say(stranger, "/platnosci", contains="Do zapłaty")
    confirm = await bot.press(user, listing, label, contains="Oznaczyć")
    [yes] = [b.callback_data for b in confirm.all_buttons if b.text == "✅ Tak, oznacz"]
    assert yes is not None
    batch = int(yes.rsplit(":", 1)[1])
    for data in (yes, f"pb:all:{company_id}:{day_number(today)}", f"pb:allundo:{batch}", f"pb:allno:{batch}"):
        answer = await answer_to_forged(bot, stranger, data)
        assert "nieaktualny" in answer, (data, answer)
    # Forged data: a cut-off in the future (would mark invoices not yet due), no day, unknown batches.
    tomorrow = today + timedelta(days=1)
    for data in (f"pb:all:{company_id}:{day_number(tomorrow)}", f"pb:all:{company_id}:20261399",
                 "pb:allok:99999", "pb:allundo:99999", f"pb:allundo:{batch}", "pb:allok", "pb:all:1"):
        answer = await answer_to_forged(bot, user, data)
        assert "nieaktualny" in answer, (data, answer)
    assert await paid_state(bot, [*ids, foreign]) == {i: (None, False, None) for i in [*ids, foreign]}

    # One invoice paid by hand after the confirmation was shown: "yes" marks the other two and says so.
    await bot.services.payables.add_payment(user.id, two, Decimal("5.00"))
    done = await bot.press(user, confirm, "✅ Tak, oznacz", contains="Zapisano")
    text = flat(done.content)
    assert "2 faktury oznaczone jako zapłacone — razem 40,00 zł." in text
    assert "Pominięto 1 fakturę zmienioną w międzyczasie" in text
    assert await paid_state(bot, ids) == {one: (1_000, True, "user"), two: (500, False, None),
                                          three: (3_000, True, "user")}
    # Changed again before the undo: A/3 undone by hand and paid in part; the batch's undo skips it.
    await bot.services.payables.undo(user.id, three, 0, 3_000)
    await bot.services.payables.add_payment(user.id, three, Decimal("1.00"))
    undone = await bot.press(user, done, "↩️ Cofnij wszystkie", contains="Cofnięto")
    assert "1 faktura jest znów do zapłaty" in undone.content and "Pominięto 1 fakturę" in undone.content
    assert await paid_state(bot, ids) == {one: (None, False, None), two: (500, False, None),
                                          three: (100, False, None)}


async def test_a_backlog_of_forty_in_one_press_and_two_yes_at_once_apply_once(
        any_bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await any_bot_factory(inbox_tick=0.2)
    user, _, company_id = await ready(bot, 8001)
    member = bot.user(8002)
    await bot.services.members.accept(member.id, member.chat_id,
                                      await bot.services.members.invite(user.id, company_id))
    today = warsaw_today(bot)
    ids = [await stored(bot, company_id, f"FV/2025/{n:03d}", today - timedelta(days=30 + n), gross=f"{n}.01")
           for n in range(1, 41)]
    listing = await bot.say(user, "/platnosci", contains="Po terminie: 40 faktur")
    assert "Pozycje 1–10 z 40." in listing.content
    label = next(b.text for b in listing.all_buttons if b.text.startswith(BULK))
    confirm = await bot.press(user, listing, label, contains="Oznaczyć")
    expected = sum(Decimal(f"{n}.01") for n in range(1, 41))  # computed here: 820,40 zł
    assert "40 faktur" in confirm.content
    assert f"Razem {expected:.2f} zł.".replace(".", ",", 1) in flat(confirm.content)
    [yes] = [b.callback_data for b in confirm.all_buttons if b.text == "✅ Tak, oznacz"]
    batch = int((yes or "").rsplit(":", 1)[1])

    # Two members press "yes" at the same moment: one marks the forty, the other is told it is stale.
    bulk = bot.services.payables.bulk
    results = await asyncio.gather(bulk.apply(user.id, batch), bulk.apply(member.id, batch),
                                   return_exceptions=True)
    applied = [r for r in results if isinstance(r, BulkSummary)]
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(applied) == 1 and applied[0].count == 40 and applied[0].skipped == 0
    assert len(refused) == 1 and refused[0].code == "payable_bulk_stale"
    assert all(paid and source == "user" for _, paid, source in (await paid_state(bot, ids)).values())
    await bot.say(user, "/platnosci", contains="nie ma nic do zapłaty")


async def test_in_english_and_a_confirmation_older_than_a_day_is_stale(
        bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(inbox_tick=0.2)
    user, _, company_id = await ready(bot, 8101)
    await bot.services.companies.set_language(user.id, user.chat_id, "en")
    today = warsaw_today(bot)
    ids = [await stored(bot, company_id, f"E/{n}", today - timedelta(days=n), gross="12.50") for n in (1, 2)]
    listing = await bot.say(user, "/platnosci", contains="To pay")
    label = next(b.text for b in listing.all_buttons if b.text.startswith("✅ All due before"))
    confirm = await bot.press(user, listing, label, contains="as paid?")
    assert "Mark 2 invoices of company" in confirm.content and "In all PLN 25.00." in flat(confirm.content)

    # A day later the confirmation no longer applies: the list may have moved on.
    bot.clock.advance(timedelta(days=1, minutes=1))
    stale = await bot.press(user, confirm, "✅ Yes, mark them", contains="out of date")
    assert "nothing changed" in stale.content
    assert await paid_state(bot, ids) == {i: (None, False, None) for i in ids}
    # A fresh confirmation (the cut-off now the new day) marks both.
    fresh = await bot.say(user, "/platnosci", contains="To pay")
    label = next(b.text for b in fresh.all_buttons if b.text.startswith("✅ All due before"))
    confirm = await bot.press(user, fresh, label, contains="as paid?")
    done = await bot.press(user, confirm, "✅ Yes, mark them", contains="Recorded")
    assert "2 invoices marked as paid — PLN 25.00 in all." in flat(done.content)
    assert await paid_state(bot, ids) == {i: (1_250, True, "user") for i in ids}
