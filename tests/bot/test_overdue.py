"""Customers' payments over time, on the harness clock: the day after the due date the seller is told once
which invoices are unpaid and how much is left (paid ones never), with a ready reminder to forward; quiet
hours hold the message until they end."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from bot.services.issuing import Draft, IssuedView
from ksef.timezone import WARSAW
from tests.bot.test_corrections import DRAFT, USER
from tests.bot.test_issuing import ready
from tests.fixtures.bot import BotHarness


async def issued(bot: BotHarness, company_id: int) -> IssuedView:
    svc = bot.services.issuing
    view = await svc.prepare(USER, USER, company_id, Draft.from_json(DRAFT))
    return await svc.issue(view.id)


def overdue_messages(bot: BotHarness) -> list[str]:
    return [m.content for m in bot.fake.chat_messages(USER) if m.from_bot and "Po terminie" in m.content]


def reminders(bot: BotHarness) -> list[str]:
    return [m.content for m in bot.fake.chat_messages(USER)
            if m.from_bot and m.content.startswith("Przypomnienie o płatności")]


async def test_overdue_invoices_are_told_once_the_day_after_in_quiet_hours(bot_factory: object) -> None:
    bot: BotHarness = await bot_factory(overdue_interval=0.2, issuing_first=3600)  # type: ignore[operator]
    _, _, company_id = await ready(bot, USER)
    unpaid, partly, paid = [await issued(bot, company_id) for _ in range(3)]  # 2 997,60 zł each, 14 days
    payments = bot.services.payments
    await payments.add_payment(USER, partly.id, Decimal("500"))
    await payments.mark_paid(USER, paid.id)

    bot.clock.advance(timedelta(days=14))  # the due date itself: not overdue yet
    assert await bot.services.overdue.queue() == 0
    assert not [r for r in await bot.table_rows("outbox") if r["kind"].startswith("sales.")]

    # The day after, at 10:00 in Warsaw (so the quiet hours below never run past midnight, whenever the
    # suite runs), inside the seller's quiet hours: queued, held until they end.
    local = bot.clock().astimezone(WARSAW)
    bot.clock.advance(datetime.combine(local.date() + timedelta(days=1), time(10), WARSAW) - local)
    local = bot.clock().astimezone(WARSAW)
    minute = local.hour * 60 + local.minute
    await bot.services.inbox.set_quiet_hours(USER, company_id, (minute - 60) % 1440, (minute + 60) % 1440)
    await bot.eventually(lambda: _queued(bot), message="the overdue rows")
    rows = [r for r in await bot.table_rows("outbox") if r["kind"].startswith("sales.")]
    assert len(rows) == 3 and all(r["status"] == "pending" and r["not_before"] for r in rows)
    assert overdue_messages(bot) == []

    bot.clock.advance(timedelta(hours=2))  # the quiet hours end
    await bot.fake.wait_until(lambda: len(reminders(bot)) == 2, timeout=15, message="two reminders")
    (summary,) = overdue_messages(bot)
    shown = summary.replace("\xa0", " ")
    assert unpaid.number in shown and "do zapłaty 2 997,60 zł" in shown
    assert partly.number in shown and "do zapłaty 2 497,60 zł" in shown
    assert paid.number not in shown and "1 dzień temu" in shown
    texts = {text.split(" z dnia")[0].rsplit(" ", 1)[-1]: text.replace("\xa0", " ")
             for text in reminders(bot)}
    assert set(texts) == {unpaid.number, partly.number}
    text = texts[partly.number]
    assert "na kwotę 2 497,60 zł" in text and "61 1090 1014 0000 0712 1981 2874" in text
    assert partly.ksef_number and partly.ksef_number in text and "Jan Kowalski Usługi IT" in text

    # Once per invoice: the days after tell nothing more, and the register shows them overdue.
    for _ in range(2):
        bot.clock.advance(timedelta(days=1))
        assert await bot.services.overdue.queue() == 0
    assert len(overdue_messages(bot)) == 1 and len(reminders(bot)) == 2
    listing = await bot.say(bot.user(USER), "/sprzedaz", contains="Wystawione faktury")
    assert listing.content.count("po terminie") == 2


async def _queued(bot: BotHarness) -> bool:
    return any(r["kind"] == "sales.overdue" for r in await bot.table_rows("outbox"))
