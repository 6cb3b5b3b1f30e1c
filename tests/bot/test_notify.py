"""End to end: new purchase invoices reach the chat exactly once (fake Bot API + simulator)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.store.models_outbox import OutboxRow
from ksef.fa3 import build, invoice_from_dict
from tests.bot.test_companies import connect_in_chat
from tests.fixtures.bot import BotHarness, postgres_schema

BASE_INVOICE: dict[str, Any] = {
    "number": "FV/1/2026", "issue_date": "2026-02-02", "currency": "PLN", "prices": "net",
    "seller": {"nip": "5265877635", "name": "Hurtownia Papieru Kowalski", "address": ["ul. Długa 1",
                                                                                      "00-001 Warszawa"]},
    "buyer": {"name": "Kupujący", "nip": "7352765225", "address": ["ul. Testowa 10", "30-001 Kraków"]},
    "lines": [
        {"name": "Papier A4", "quantity": "10", "unit": "ryza", "unit_price": "20.00", "vat_rate": "23"},
        {"name": "Książka", "quantity": "1", "unit": "szt.", "unit_price": "50.00", "vat_rate": "5"},
    ],
    "payment": {"method": "transfer", "due_date": "2026-02-16",
                "bank_account": "PL61 1090 1014 0000 0712 1981 2874"},
}


@pytest.fixture(name="backend", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def backend_fixture(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, Any]]:
    """``bot_factory`` arguments of the database backend: a fresh PostgreSQL schema, or SQLite."""
    if request.param == "sqlite":
        yield {}
        return
    async with postgres_schema() as (url, schema):
        yield {"database_url": url, "db_schema": schema}


@pytest.fixture(name="any_bot_factory")
def any_bot_factory_fixture(backend: dict[str, Any], bot_factory: Callable[..., Any]) -> Callable[..., Any]:
    """``bot_factory`` on each backend. Requests ``backend`` first, so the bots stop (bot_factory's
    teardown) before the PostgreSQL schema is dropped."""

    def make(**options: Any) -> Any:
        return bot_factory(**backend, **options)

    return make


def invoice_xml(buyer_nip: str, number: str, seller_nip: str = "5265877635") -> bytes:
    data = {**BASE_INVOICE, "number": number, "buyer": {**BASE_INVOICE["buyer"], "nip": buyer_nip},
            "seller": {**BASE_INVOICE["seller"], "nip": seller_nip}}
    return build(invoice_from_dict(data))


async def connected_bot(bot_factory: Callable[..., Any], user_id: int = 5001,
                        **options: Any) -> tuple[BotHarness, FakeUser, str]:
    bot: BotHarness = await bot_factory(**{"poll_interval": 1, "inbox_tick": 0.2, **options})
    bot.sim.set_limits({"invoiceMetadata": {"perSecond": 100, "perMinute": 1000, "perHour": 10000}})
    user = bot.user(user_id)
    nip, token = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip, token)
    return bot, user, nip


def mentions(bot: BotHarness, chat_id: int, text: str) -> list[ChatMessage]:
    return [m for m in bot.fake.bot_messages(chat_id) if text in m.content]


async def wait_mentioned(bot: BotHarness, chat_id: int, text: str,
                         timeout: float = 20) -> ChatMessage:  # noqa: ASYNC109
    found: list[ChatMessage] = await bot.fake.wait_until(
        lambda: mentions(bot, chat_id, text), timeout=timeout, message=f"a message with {text}")
    return found[0]


async def polls_pass(bot: BotHarness, count: int = 3) -> None:
    """Let ``count`` more polls of every company happen (nothing new should appear)."""

    async def started() -> bool:
        return bool(await bot.table_rows("inbox_sync"))

    await bot.eventually(started, timeout=15, message="a first poll")
    rows = await bot.table_rows("inbox_sync")
    before = {r["company_id"]: r["last_poll_at"] for r in rows}

    async def moved() -> bool:
        now = {r["company_id"]: r["last_poll_at"] for r in await bot.table_rows("inbox_sync")}
        return all(now.get(k) != v for k, v in before.items())

    for _ in range(count):
        await bot.eventually(moved, timeout=15, message="another poll")
        before = {r["company_id"]: r["last_poll_at"] for r in await bot.table_rows("inbox_sync")}


async def test_new_invoice_one_message_with_details_xml_and_pdf(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    xml = invoice_xml(nip, "FV/77/2026")
    ksef_number = bot.sim.inject_invoice(xml)
    note = await wait_mentioned(bot, user.chat_id, ksef_number)
    text = note.content
    assert "Nowa faktura zakupowa" in text and "Hurtownia Papieru Kowalski" in text
    assert "NIP 5265877635" in text and "FV/77/2026" in text
    assert "2 lutego 2026" in text and "16 lutego 2026" in text  # issue and due date
    assert "298,50" in text  # 10 × 20 + 23 % and 50 + 5 %: 246,00 + 52,50
    assert "61 1090 1014 0000 0712 1981 2874" in text
    assert {b.text for b in note.all_buttons} == {"💸 Zapłać", "Szczegóły", "Plik XML", "Wydruk PDF"}
    [stored] = await bot.table_rows("received_invoices")
    assert stored["xml"] == xml and stored["ksef_number"] == ksef_number
    details = await bot.press(user, note, "Szczegóły", contains="Pozycje faktury")
    assert "Papier A4" in details.content and "VAT 23%" in details.content
    await user.press(note, "Plik XML")
    await bot.fake.wait_until(lambda: len(bot.fake.sent_documents(user.chat_id)) >= 1, message="XML")
    await user.press(note, "Wydruk PDF")
    await bot.fake.wait_until(lambda: len(bot.fake.sent_documents(user.chat_id)) >= 2, message="PDF")
    docs = bot.fake.sent_documents(user.chat_id)
    assert docs[0] == (f"{ksef_number}.xml", xml)
    assert docs[1][0] == f"{ksef_number}.pdf" and docs[1][1].startswith(b"%PDF")
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, ksef_number)) == 1
    [row] = await bot.table_rows("outbox")
    assert row["status"] == "sent" and row["message_ids"] == [note.message_id]
    assert row["kind"] == "inbox.invoice" and row["priority"] == 1


async def test_invoices_injected_at_random_moments_each_arrive_once(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    rng = random.Random(5)
    numbers = []
    for i in range(6):
        numbers.append(await asyncio.to_thread(bot.sim.inject_invoice, invoice_xml(nip, f"R/{i}")))
        await asyncio.sleep(rng.uniform(0, 1.2))
    for number in numbers:
        await wait_mentioned(bot, user.chat_id, number)
    await polls_pass(bot)
    assert [len(mentions(bot, user.chat_id, n)) for n in numbers] == [1] * 6
    assert len(await bot.table_rows("received_invoices")) == 6


async def test_history_before_connecting_is_not_announced(bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(poll_interval=1, inbox_tick=0.2)
    bot.sim.set_limits({"enabled": False})
    user = bot.user(5002)
    nip, token = bot.sim.create_subject()
    old = bot.sim.inject_invoice(invoice_xml(nip, "OLD/1"))
    await asyncio.sleep(1.1)  # the connection time is after the old invoice's storage time
    await connect_in_chat(bot, user, nip, token)
    new = bot.sim.inject_invoice(invoice_xml(nip, "NEW/1"))
    await wait_mentioned(bot, user.chat_id, new)
    await polls_pass(bot, 2)
    assert mentions(bot, user.chat_id, old) == []


async def test_crash_between_storing_and_sending_loses_nothing(any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    bot.fake.fail_next("sendMessage", status=500, count=10_000)  # Telegram down: rows stay queued
    number = bot.sim.inject_invoice(invoice_xml(nip, "C/1"))

    async def stored() -> bool:
        return len(await bot.table_rows("outbox")) == 1

    await bot.eventually(stored, timeout=20, message="the outbox row")
    await bot.crash_and_restart()
    bot.fake.clear_faults()  # Telegram is back
    await wait_mentioned(bot, user.chat_id, number)
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, number)) == 1


async def test_crash_between_sending_and_marking_shows_nothing_twice(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    number = bot.sim.inject_invoice(invoice_xml(nip, "C/2"))
    note = await wait_mentioned(bot, user.chat_id, number)
    await bot.stop()
    # The database exactly as a crash right after Telegram accepted the message leaves it:
    # marked `sending` (with the chat's message id recorded before the call), not `sent`.
    from bot.store.db import Database

    db = Database.from_url(bot.settings.database_url, schema=bot.options.db_schema)
    async with db.transaction() as session:
        await session.execute(update(OutboxRow).values(status="sending", message_ids=[], sent_at=None))
    await db.dispose()
    [row] = [r for r in await _rows(bot.settings.database_url, bot.options.db_schema)]
    assert row["after_message_id"] is not None and row["after_message_id"] < note.message_id
    await bot.start()

    async def marked() -> bool:
        rows = await bot.table_rows("outbox")
        return bool(rows[0]["status"] == "sent")

    await bot.eventually(marked, timeout=20, message="recovery")
    [row] = await bot.table_rows("outbox")
    assert row["message_ids"] == [note.message_id]
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, number)) == 1
    assert bot.fake.message(user.chat_id, note.message_id) is not None


async def test_ambiguous_network_error_after_delivery_is_not_a_duplicate(
        any_bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(any_bot_factory)
    # The connection breaks after Telegram stored the message: the bot cannot know it arrived.
    bot.fake.fail_next("sendMessage", drop=True, status=200)
    number = bot.sim.inject_invoice(invoice_xml(nip, "C/3"))
    await wait_mentioned(bot, user.chat_id, number)

    async def marked() -> bool:
        rows = await bot.table_rows("outbox")
        return bool(rows) and rows[0]["status"] == "sent"

    await bot.eventually(marked, timeout=30, message="the row marked sent")
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, number)) == 1


async def _rows(url: str, schema: str | None = None) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from bot.store.db import Database
    from bot.store.models import Base

    db = Database.from_url(url, schema=schema)
    async with db.transaction() as session:
        result = await session.execute(select(Base.metadata.tables["outbox"]))
        rows = [dict(r._mapping) for r in result]
    await db.dispose()
    return rows


async def test_ksef_429_and_500_keep_the_cursor_and_are_retried(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory)
    await polls_pass(bot, 1)
    # 429 with a long Retry-After (one metadata query per hour allowed).
    bot.sim.set_limits({"reset": True, "invoiceMetadata": {"perSecond": 1, "perMinute": 1, "perHour": 1}})

    async def error_is(kind: str) -> bool:
        rows = await bot.table_rows("inbox_sync")
        return bool(rows[0]["last_error"] == kind)

    await bot.eventually(lambda: error_is("429"), timeout=30, message="a 429")
    [before] = await bot.table_rows("inbox_sync")
    number = bot.sim.inject_invoice(invoice_xml(nip, "E/1"))
    assert before["next_poll_at"] > bot.clock() + timedelta(seconds=30)  # Retry-After honoured
    # 500: the cursor stays as well.
    bot.sim.set_availability(api="error500")
    bot.sim.set_limits({"reset": True, "invoiceMetadata": {"perSecond": 100, "perMinute": 1000,
                                                           "perHour": 10000}})
    bot.clock.advance(timedelta(hours=2))  # past the Retry-After
    await bot.eventually(lambda: _failed_again(bot, before["failures"]), timeout=60,
                         message="a failed poll after the 429")
    [broken] = await bot.table_rows("inbox_sync")
    assert broken["cursor"] == before["cursor"] and broken["last_error"] not in (None, "429")
    assert mentions(bot, user.chat_id, number) == []
    bot.sim.set_availability(api="up")
    bot.clock.advance(timedelta(hours=2))  # past the error backoff
    await wait_mentioned(bot, user.chat_id, number, timeout=30)
    await polls_pass(bot)
    assert len(mentions(bot, user.chat_id, number)) == 1
    [healthy] = await bot.table_rows("inbox_sync")
    assert healthy["cursor"] != before["cursor"] and healthy["failures"] == 0


async def _failed_again(bot: BotHarness, failures: int) -> bool:
    rows = await bot.table_rows("inbox_sync")
    return bool(rows[0]["failures"] > failures and rows[0]["last_error"] != "429")


async def test_a_removed_members_queued_notification_is_dropped_not_sent(
        bot_factory: Callable[..., Any]) -> None:
    """A notification held for a member (quiet hours) whose access is taken away meanwhile is dropped
    when its turn comes: checked when it is rendered, not when it was queued."""
    from bot.services.inbox import WARSAW

    bot, owner, nip = await connected_bot(bot_factory)
    company_id = (await bot.services.companies.require_active_company(owner.id)).id
    member = bot.user(5090)
    await bot.services.members.accept(member.id, member.chat_id,
                                      await bot.services.members.invite(owner.id, company_id))
    local = bot.clock().astimezone(WARSAW)
    start, end = local - timedelta(hours=1), local + timedelta(hours=1)
    await bot.services.inbox.set_quiet_hours(member.id, company_id, start.hour * 60 + start.minute,
                                             end.hour * 60 + end.minute)
    number = bot.sim.inject_invoice(invoice_xml(nip, "R/1"))
    await wait_mentioned(bot, owner.chat_id, number)  # the owner hears it now; the member's waits
    [held] = [r for r in await bot.table_rows("outbox") if r["user_id"] == member.id]
    assert held["status"] == "pending" and held["not_before"] is not None
    await bot.services.members.remove(owner.id, company_id, member.id)
    bot.clock.advance(timedelta(hours=1, minutes=5))

    async def dropped() -> bool:
        return [r["status"] for r in await bot.table_rows("outbox") if r["id"] == held["id"]] == ["dropped"]

    await bot.eventually(dropped, timeout=20, message="the held notification dropped")
    assert mentions(bot, member.chat_id, number) == []
