"""Purchase invoices: many at once (summaries, truncation), isolation, mute, quiet hours, /faktury."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.services.inbox import SINGLE_LIMIT, WARSAW, quiet_until
from bot.store.models_inbox import InboxSync, ReceivedInvoice
from bot.store.models_outbox import OutboxRow
from ksef.sync import cursor_at
from tests.bot.test_companies import connect_in_chat
from tests.bot.test_notify import (
    any_bot_factory_fixture,  # noqa: F401 (the fixture any_bot_factory, found by pytest here)
    backend_fixture,  # noqa: F401 (the fixture backend)
    connected_bot,
    invoice_xml,
    mentions,
    polls_pass,
    wait_mentioned,
)
from tests.fixtures.bot import BotHarness

SELLER = "5265877635"


async def all_stored(bot: BotHarness, count: int, timeout: float = 120) -> None:  # noqa: ASYNC109
    async def done() -> bool:
        return len(await bot.table_rows("received_invoices")) >= count

    try:
        await bot.eventually(done, timeout=timeout, message=f"{count} stored invoices")
    except TimeoutError as exc:
        stored = len(await bot.table_rows("received_invoices"))
        state = [(r["last_error"], r["failures"]) for r in await bot.table_rows("inbox_sync")]
        raise AssertionError(f"{stored} of {count} stored; sync state {state}") from exc


async def assert_each_announced_once(bot: BotHarness, user_id: int) -> None:
    """Every stored invoice is in exactly one outbox row of the user, and every row was sent."""
    invoices = {r["id"] for r in await bot.table_rows("received_invoices")}

    async def sent() -> bool:
        rows = [r for r in await bot.table_rows("outbox") if r["user_id"] == user_id]
        return bool(rows) and all(r["status"] == "sent" for r in rows)

    await bot.eventually(sent, timeout=60, message="every outbox row sent")
    rows = [r for r in await bot.table_rows("outbox") if r["user_id"] == user_id]
    announced = [i for r in rows for i in r["payload"]["invoice_ids"]]
    assert sorted(announced) == sorted(invoices)


async def rewind_cursor(bot: BotHarness) -> None:
    """As if the company had been connected an hour ago (bulk invoices are stored slightly back-dated)."""
    await polls_pass(bot, 1)
    async with bot.db.transaction() as session:
        hour_ago = cursor_at(datetime.now(UTC) - timedelta(hours=1))
        await session.execute(update(InboxSync).values(cursor=hour_ago))


def test_quiet_hours_window() -> None:
    evening = datetime(2026, 11, 23, 22, 30, tzinfo=WARSAW).astimezone(UTC)
    assert quiet_until(evening, 22 * 60, 7 * 60) == datetime(2026, 11, 24, 7, 0, tzinfo=WARSAW)
    early = datetime(2026, 11, 24, 6, 59, tzinfo=WARSAW).astimezone(UTC)
    assert quiet_until(early, 22 * 60, 7 * 60) == datetime(2026, 11, 24, 7, 0, tzinfo=WARSAW)
    assert quiet_until(datetime(2026, 11, 24, 7, 0, tzinfo=WARSAW), 22 * 60, 7 * 60) is None
    assert quiet_until(datetime(2026, 11, 24, 13, 0, tzinfo=WARSAW), 12 * 60, 14 * 60) == \
        datetime(2026, 11, 24, 14, 0, tzinfo=WARSAW)
    assert quiet_until(evening, None, None) is None


async def test_fifty_at_once_become_one_summary(any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory, poll_interval=2)
    await rewind_cursor(bot)
    # "At once" as KSeF would show it: with the default 2 s HWM lag the bulk's storage dates (spread over
    # its last 50 ms) surface over those 50 ms, and a poll landing inside them legitimately splits it.
    bot.sim.configure(hwmLagSeconds=0)
    before = len(bot.fake.bot_messages(user.chat_id))
    numbers = await asyncio.to_thread(bot.sim.inject_bulk, SELLER, nip, 50)
    await all_stored(bot, 50)
    await assert_each_announced_once(bot, user.id)
    new_messages = bot.fake.bot_messages(user.chat_id)[before:]
    assert len(new_messages) == 1  # one summary, not 50 pings
    summary = await wait_mentioned(bot, user.chat_id, "Nowe faktury zakupowe")
    assert "…i " in summary.content and "/faktury" in summary.content
    assert {b.text for b in summary.all_buttons} == {"Lista faktur", "💰 Do zapłaty"}
    listing = await bot.press(user, summary, "Lista faktur", contains="Faktury zakupowe firmy")
    assert "z 50)" in listing.content
    older = await bot.press(user, listing, "Starsze »", contains="(11–20 z 50)")
    assert older
    assert len(numbers) == 50


async def test_summary_has_the_way_to_pay(bot_factory: Callable[..., Any]) -> None:
    """More new invoices at once than get their own message: the summary opens the payables list."""
    bot, user, nip = await connected_bot(bot_factory, poll_interval=2)
    await rewind_cursor(bot)
    bot.sim.configure(hwmLagSeconds=0)
    count = SINGLE_LIMIT + 1
    numbers = await asyncio.to_thread(bot.sim.inject_bulk, SELLER, nip, count)
    await all_stored(bot, count)
    summary = await wait_mentioned(bot, user.chat_id, f"Nowe faktury zakupowe: {count}")
    assert [[b.text for b in row] for row in summary.buttons] == [["Lista faktur"], ["💰 Do zapłaty"]]
    listing = await bot.press(user, summary, "💰 Do zapłaty", contains="Do zapłaty · firma NIP")
    assert nip in listing.content and f"{count} faktur do zapłaty" in listing.content
    assert f"Pozycje 1–10 z {count}" in listing.content  # the synthetic invoices are due by transfer
    stored = {r["invoice_number"] for r in await bot.table_rows("received_invoices")}
    listed = [n for n in stored if re.search(re.escape(n) + r"(?!\d)", listing.content)]  # SIM/1 ≠ SIM/10
    assert len(stored) == len(numbers) and len(listed) == 10
    # Paying one from the list leaves one fewer to pay.
    await bot.press(user, listing, next(b.text for b in listing.all_buttons
                                        if b.callback_data and b.callback_data.startswith("pb:paid:")),
                    contains="zapłacon")
    again = await bot.press(user, summary, "💰 Do zapłaty", contains="Do zapłaty · firma NIP")
    assert f"{count - 1} faktur do zapłaty" in again.content


async def test_truncated_query_window_loses_nothing(any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory, poll_interval=2)
    await rewind_cursor(bot)
    bot.sim.configure(queryCap=120)  # isTruncated after 120 records: the sync restarts from the last date
    numbers = await asyncio.to_thread(bot.sim.inject_bulk, SELLER, nip, 700, 3)
    await all_stored(bot, 700, timeout=40)
    stored = {r["ksef_number"] for r in await bot.table_rows("received_invoices")}
    assert stored == set(numbers)
    await assert_each_announced_once(bot, user.id)


async def test_ten_thousand_in_one_window_arrive_as_summaries(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory, poll_interval=2)
    await rewind_cursor(bot)
    before = len(bot.fake.bot_messages(user.chat_id))
    numbers = await asyncio.to_thread(bot.sim.inject_bulk, SELLER, nip, 10_000)
    await all_stored(bot, 10_000, timeout=300)
    assert {r["ksef_number"] for r in await bot.table_rows("received_invoices")} == set(numbers)
    await assert_each_announced_once(bot, user.id)
    assert len(bot.fake.bot_messages(user.chat_id)) - before <= 5


async def test_two_companies_of_one_chat_and_another_chat_stay_isolated(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip_a = await connected_bot(bot_factory)
    nip_b, token_b = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip_b, token_b)
    other = bot.user(5101)
    nip_c, token_c = bot.sim.create_subject()
    await connect_in_chat(bot, other, nip_c, token_c)
    to_a = bot.sim.inject_invoice(invoice_xml(nip_a, "A/1"))
    to_b = bot.sim.inject_invoice(invoice_xml(nip_b, "B/1"))
    note_a = await wait_mentioned(bot, user.chat_id, to_a)
    note_b = await wait_mentioned(bot, user.chat_id, to_b)
    assert f"firma NIP {nip_a}" in note_a.content and f"firma NIP {nip_b}" in note_b.content
    await polls_pass(bot)
    assert mentions(bot, other.chat_id, to_a) == [] and mentions(bot, other.chat_id, to_b) == []
    assert len(mentions(bot, user.chat_id, to_a)) == 1 and len(mentions(bot, user.chat_id, to_b)) == 1
    # A forged button press from the other chat cannot read A's invoice.
    [row_a] = [r for r in await bot.table_rows("received_invoices") if r["ksef_number"] == to_a]
    from tests.bot.test_companies import forged_press

    await forged_press(bot, other, f"in:x:{row_a['id']}")
    await bot.fake.wait_for_bot_message(other.chat_id, lambda m: "nieaktualny" in m.content.lower()
                                        or "przycisk" in m.content.lower(), after=0, timeout=10)
    assert bot.fake.sent_documents(other.chat_id) == []


async def test_mute_and_quiet_hours(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    await bot.say(user, "/powiadomienia wylacz", contains="wyciszone")
    muted = bot.sim.inject_invoice(invoice_xml(nip, "M/1"))
    await all_stored(bot, 1)
    await polls_pass(bot)
    assert mentions(bot, user.chat_id, muted) == []
    await bot.say(user, "/powiadomienia wlacz", contains="są włączone")
    # Quiet hours around "now" (Warsaw): found invoices wait until the end.
    local = bot.clock().astimezone(WARSAW)
    start, end = local - timedelta(hours=1), local + timedelta(hours=1)
    await bot.say(user, f"/cisza {start:%H:%M}-{end:%H:%M}", contains="Godziny ciszy")
    held = bot.sim.inject_invoice(invoice_xml(nip, "Q/1"))
    await all_stored(bot, 2)
    await polls_pass(bot)
    assert mentions(bot, user.chat_id, held) == []
    bot.clock.advance(timedelta(hours=1, minutes=5))
    await wait_mentioned(bot, user.chat_id, held)
    assert mentions(bot, user.chat_id, muted) == []


async def test_blocked_user_is_paused_not_retried(any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    bot.fake.block_user(user.id)
    bot.sim.inject_invoice(invoice_xml(nip, "X/1"))

    async def parked() -> bool:
        rows = await bot.table_rows("outbox")
        return bool(rows) and rows[0]["status"] == "blocked"

    await bot.eventually(parked, timeout=30, message="the row parked")
    calls = len(bot.fake.calls_of("sendMessage"))
    bot.sim.inject_invoice(invoice_xml(nip, "X/2"))
    await all_stored(bot, 2)
    await polls_pass(bot)
    assert len(bot.fake.calls_of("sendMessage")) == calls
    [prefs] = await bot.table_rows("inbox_prefs")
    assert prefs["paused"] is True


async def parked_rows(bot: BotHarness, count: int) -> None:
    async def parked() -> bool:
        rows = await bot.table_rows("outbox")
        return len([r for r in rows if r["status"] == "blocked"]) >= count

    await bot.eventually(parked, timeout=30, message=f"{count} parked rows")


async def _equals(value: Awaitable[Any], expected: Any) -> bool:
    return bool(await value == expected)


async def test_start_after_blocking_resumes_and_sends_missed_invoices_once(
        any_bot_factory: Callable[..., Any]) -> None:
    """Block → invoices arrive (one parked row, the others found while paused, one parked row older
    than 7 days) → unblock and /start: one summary of exactly the recent missed ones, then normal."""
    bot, user, nip = await connected_bot(any_bot_factory)
    seen = bot.sim.inject_invoice(invoice_xml(nip, "S/0"))
    await wait_mentioned(bot, user.chat_id, seen)
    bot.fake.block_user(user.id)
    stale = bot.sim.inject_invoice(invoice_xml(nip, "S/OLD"))
    await parked_rows(bot, 1)
    # as if that invoice (and its parked row) dated from 8 days ago: too old to push on return
    eight_days_ago = bot.clock() - timedelta(days=8)
    async with bot.db.transaction() as session:
        await session.execute(update(ReceivedInvoice).where(ReceivedInvoice.ksef_number == stale)
                              .values(found_at=eight_days_ago))
        await session.execute(update(OutboxRow).where(OutboxRow.status == "blocked")
                              .values(created_at=eight_days_ago))
    missed = [bot.sim.inject_invoice(invoice_xml(nip, f"S/{i}")) for i in (1, 2)]
    await all_stored(bot, 4)
    await polls_pass(bot)
    for number in [stale, *missed]:
        assert mentions(bot, user.chat_id, number) == []
    bot.fake.block_user(user.id, blocked=False)
    back = await bot.say(user, "/start", contains="Witaj ponownie")
    assert "Zaraz wyślę 2 faktury, które przyszły pod Twoją nieobecność (z ostatnich 7 dni)" in back.content
    summary = await wait_mentioned(bot, user.chat_id, "Nowe faktury zakupowe: 2")
    assert "S/1" in summary.content and "S/2" in summary.content
    assert "S/OLD" not in summary.content and "S/0" not in summary.content

    async def statuses() -> list[str]:
        return sorted(r["status"] for r in await bot.table_rows("outbox"))

    # S/0 and the summary sent; the stale parked row expired (not pushed, not left parked)
    await bot.eventually(lambda: _equals(statuses(), ["expired", "sent", "sent"]), message="rows settled")
    [prefs] = await bot.table_rows("inbox_prefs")
    assert prefs["paused"] is False
    # notifications work as before, and a second /start queues nothing again
    after = bot.sim.inject_invoice(invoice_xml(nip, "S/3"))
    await wait_mentioned(bot, user.chat_id, after)
    await bot.say(user, "/start", contains="Wybierz, jak")
    await polls_pass(bot)
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if "Witaj ponownie" in m.content][1:]
    for text in [seen, "S/1", "S/2", after]:  # the summary names invoices by their own numbers
        assert len(mentions(bot, user.chat_id, text)) == 1, text
    assert mentions(bot, user.chat_id, "S/OLD") == []
    assert len(mentions(bot, user.chat_id, "Nowe faktury zakupowe")) == 1
    # the stale one was not pushed, but the list still has it
    listing = await bot.say(user, "/faktury", contains="Faktury zakupowe firmy")
    assert "S/OLD" in listing.content and "(1–5 z 5)" in listing.content


async def test_start_after_blocking_with_one_missed_invoice_sends_it_in_full(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    bot.fake.block_user(user.id)
    number = bot.sim.inject_invoice(invoice_xml(nip, "P/1"))
    await parked_rows(bot, 1)
    bot.fake.block_user(user.id, blocked=False)
    back = await bot.say(user, "/start", contains="Witaj ponownie")
    assert "Zaraz wyślę 1 fakturę, która przyszła" in back.content
    note = await wait_mentioned(bot, user.chat_id, number)
    assert "Nowa faktura zakupowa" in note.content and "P/1" in note.content

    async def rows() -> list[tuple[str, str]]:
        return sorted((r["status"], r["kind"]) for r in await bot.table_rows("outbox"))

    await bot.eventually(lambda: _equals(rows(), [("requeued", "inbox.invoice"), ("sent", "inbox.invoice")]),
                         message="the parked row requeued, the new one sent")
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, number)) == 1


async def test_invoice_list_and_backfill(bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(poll_interval=1, inbox_tick=0.2)
    bot.sim.set_limits({"enabled": False})
    bot.sim.configure(hwmLagSeconds=0)
    user = bot.user(5201)
    nip, token = bot.sim.create_subject()
    old = bot.sim.inject_invoice(invoice_xml(nip, "H/1"))
    await asyncio.sleep(1.1)
    await connect_in_chat(bot, user, nip, token)
    await bot.say(user, "/faktury", contains="Nie ma jeszcze faktur")
    done = await bot.say(user, "/faktury 30", contains="Gotowe")
    assert "znaleziono 1 nową fakturę z ostatnich 30 dni" in done.content
    listing = await wait_mentioned(bot, user.chat_id, "Faktury zakupowe firmy")
    assert "H/1" in listing.content
    await polls_pass(bot, 2)
    assert mentions(bot, user.chat_id, old) == []  # history is listed, not announced


async def test_block_and_unblock_reported_by_telegram_pause_and_resume(
        any_bot_factory: Callable[..., Any]) -> None:
    """Telegram's ``my_chat_member`` updates: blocking pauses at once (no message is even tried while
    blocked), unblocking resumes and sends what came meanwhile, without the user typing /start."""
    bot, user, nip = await connected_bot(any_bot_factory)
    seen = bot.sim.inject_invoice(invoice_xml(nip, "M/0"))
    await wait_mentioned(bot, user.chat_id, seen)
    await user.set_blocked(True)

    async def paused() -> bool:
        return all(r["paused"] for r in await bot.table_rows("inbox_prefs"))

    await bot.eventually(paused, message="paused on my_chat_member 'kicked'")
    refused_before = len(bot.fake.calls_of("sendMessage"))
    missed = bot.sim.inject_invoice(invoice_xml(nip, "M/1"))
    await all_stored(bot, 2)
    await polls_pass(bot)
    assert len(bot.fake.calls_of("sendMessage")) == refused_before  # nothing tried against the block
    assert await bot.table_rows("outbox") and not [
        r for r in await bot.table_rows("outbox") if r["status"] in ("pending", "sending")]
    await user.set_blocked(False)
    back = await wait_mentioned(bot, user.chat_id, "Witaj ponownie")
    assert "1" in back.content
    arrived = await wait_mentioned(bot, user.chat_id, missed)
    assert "M/1" in arrived.content
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, missed)) == 1 and len(mentions(bot, user.chat_id, seen)) == 1
