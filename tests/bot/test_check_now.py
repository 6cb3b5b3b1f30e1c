"""Polling as MF asks, end to end (fake Bot API + simulator): "Sprawdź teraz" in /faktury finds a new
invoice at once and refuses politely once the company's hourly limit is spent; a change of KSeF's
per-IP ``global`` limit (read from GET /rate-limits) is logged and counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest

from bot.metrics import KSEF_RATE_LIMIT, KSEF_RATE_LIMITED, RATE_LIMIT_CHANGES
from tests.bot.test_companies import connect_in_chat
from tests.bot.test_notify import invoice_xml, mentions, wait_mentioned
from tests.fixtures.bot import BotHarness

HOUR = 3600


async def _connected(bot_factory: Callable[..., Any], limits: dict[str, Any],
                     **options: Any) -> tuple[BotHarness, Any, str]:
    bot: BotHarness = await bot_factory(**{"poll_interval": HOUR, "inbox_tick": 0.2, **options})
    bot.sim.set_limits(limits)  # before the first poll, which reads GET /rate-limits
    user = bot.user(7001)
    nip, token = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip, token)

    async def first_poll_done() -> bool:
        return any(row["last_poll_at"] is not None for row in await bot.table_rows("inbox_sync"))

    await bot.eventually(first_poll_done, timeout=15, message="the first poll")  # the next is an hour away
    return bot, user, nip


async def test_check_now_finds_a_new_invoice_without_waiting_for_the_interval(
        bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await _connected(bot_factory, {"defaults": True})
    number = await asyncio.to_thread(bot.sim.inject_invoice, invoice_xml(nip, "TERAZ/1"))
    listing = await bot.say(user, "/faktury", contains="Nowe faktury sprawdzam w KSeF co 1 godz. (ostatnio: ")
    assert "Sprawdź teraz" in listing.content  # the hint
    assert mentions(bot, user.chat_id, number) == []  # the next scheduled poll is an hour away
    await bot.press(user, listing, "🔄 Sprawdź teraz", contains="Sprawdz")
    # The simulator's high-water mark lags 2 s behind, as KSeF's does: the check looks up to now.
    answer = await wait_mentioned(bot, user.chat_id, "Sprawdzone w KSeF: 1 nowa faktura")
    assert nip in answer.content
    note = await wait_mentioned(bot, user.chat_id, number)
    assert "Nowa faktura zakupowa" in note.content
    # Its details come from what the sync stored: KSeF's download API is not asked again.
    downloads = _requests(bot, "/invoices/ksef/{ksefNumber}", nip)
    assert downloads == 1
    details = await bot.press(user, note, "Szczegóły", contains="Pozycje faktury")
    assert "Papier A4" in details.content
    assert _requests(bot, "/invoices/ksef/{ksefNumber}", nip) == downloads
    # Once KSeF's HWM passes the invoice, the regular poll finds it again and stores nothing twice.
    bot.sim.configure(hwmLagSeconds=0)
    [state] = await bot.table_rows("inbox_sync")
    regular = await bot.services.sync.poll(state["company_id"])
    assert regular.error is None and regular.new_invoice_ids == ()
    assert len(await bot.table_rows("received_invoices")) == 1
    # Once more: nothing new, said as such (and the invoice is not announced twice).
    again = await bot.say(user, "/faktury", contains="Faktury zakupowe firmy")
    await bot.press(user, again, "🔄 Sprawdź teraz", contains="Sprawdz")
    await bot.fake.wait_until(lambda: mentions(bot, user.chat_id, "nie ma nowych faktur"),
                              message="nothing new")
    assert len(mentions(bot, user.chat_id, number)) == 1
    [state] = await bot.table_rows("inbox_sync")
    assert len(state["on_demand"]) == 2  # both checks counted against the company's budget


async def test_check_now_refuses_politely_when_the_hourly_limit_is_spent(
        bot_factory: Callable[..., Any]) -> None:
    # 4 metadata queries an hour: the scheduled polls keep two, "Sprawdź teraz" may use the other two.
    bot, user, nip = await _connected(bot_factory, {"invoiceMetadata": {"perHour": 4}})
    queries_before = _metadata_queries(bot, nip)
    for _ in range(2):
        listing = await bot.say(user, "/faktury", contains="Sprawdź teraz")
        await bot.press(user, listing, "🔄 Sprawdź teraz", contains="Sprawdz")
        await bot.fake.wait_until(lambda: len(mentions(bot, user.chat_id, "nie ma nowych faktur")) >= 1,
                                  message="a check")
    await bot.fake.wait_until(lambda: len(mentions(bot, user.chat_id, "nie ma nowych faktur")) == 2,
                              message="two checks")
    listing = await bot.say(user, "/faktury", contains="Sprawdź teraz")
    refusal = await bot.press(user, listing, "🔄 Sprawdź teraz", contains="kilka razy na godzinę")
    # The first check leaves the hour in (just under) an hour, rounded up.
    assert "Za 1 godz. będzie można sprawdzić ponownie" in refusal.content
    assert "(sprawdzam co 1 godz.)" in refusal.content
    assert _metadata_queries(bot, nip) == queries_before + 2  # the refused check asked KSeF nothing
    # The back-fill shares the budget.
    refused = await bot.say(user, "/faktury 7", contains="kilka razy na godzinę")
    assert "Za 1 godz. będzie można pobrać faktury z ostatnich dni" in refused.content
    assert _metadata_queries(bot, nip) == queries_before + 2
    [state] = await bot.table_rows("inbox_sync")
    assert len(state["on_demand"]) == 2  # refusals are not counted


def _requests(bot: BotHarness, path: str, nip: str) -> int:
    """Calls of ``path`` (as the spec writes it) the simulator received in ``nip``'s context."""
    return len(bot.sim.admin.get("/sim/requests", params={"path": path, "nip": nip}).json()["requests"])


def _metadata_queries(bot: BotHarness, nip: str) -> int:
    return _requests(bot, "/invoices/query/metadata", nip)


def _sample(metric: Any, **labels: str) -> float:
    return float(metric.labels(**labels)._value.get())


async def test_a_change_of_the_global_limit_is_logged_and_counted(
        bot_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.rate_limits")
    bot, _, _ = await _connected(bot_factory, {"defaults": True}, poll_interval=1)
    assert _sample(KSEF_RATE_LIMIT, group="global", window="second") == 75  # read at the first poll
    changes = _sample(RATE_LIMIT_CHANGES, group="global")
    refused = _sample(KSEF_RATE_LIMITED, group="global", expected="no")
    # KSeF lowers the per-IP budget: the next calls are refused naming "global", a group the client did
    # not count them in, so the bot reads GET /rate-limits again as soon as KSeF lets it.
    bot.sim.set_limits({"global": {"perSecond": 0}})
    await bot.fake.wait_until(lambda: _sample(KSEF_RATE_LIMITED, group="global", expected="no") > refused,
                              timeout=20, message="a 429 of the global group")
    bot.sim.set_limits({"global": {"perSecond": 40}})
    await bot.fake.wait_until(lambda: _sample(RATE_LIMIT_CHANGES, group="global") == changes + 1,
                              timeout=20, message="the change read and counted")
    assert _sample(KSEF_RATE_LIMIT, group="global", window="second") == 40
    [record] = [r for r in caplog.records if "rate limit global changed" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "75/s -/min -/h -> 40/s -/min -/h" in record.getMessage()
