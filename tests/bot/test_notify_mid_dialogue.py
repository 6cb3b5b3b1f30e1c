"""A supplier's invoice announced in the middle of a dialogue: the dialogue keeps its place, the bot asks
its question again below the notice, and the next answer goes on as if nothing happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.bot.test_notify import connected_bot, invoice_xml, wait_mentioned

BUYER_NIP = "5260250274"


async def test_notice_mid_dialogue_then_the_question_again(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory, 19101)
    company_id = (await bot.table_rows("companies"))[0]["id"]
    await bot.services.profiles.save(user.id, company_id, name="Firma", address=["ul. A 1", "00-001 Waw"],
                                     vat_exempt=False, bank_account=None, default_rate="23", payment_days=14)
    question = await bot.say(user, f"/wystaw {BUYER_NIP}", contains="nazwę nabywcy")
    ksef_number = bot.sim.inject_invoice(invoice_xml(nip, "FV/9/2026"))
    notice = await wait_mentioned(bot, user.chat_id, ksef_number)
    assert notice.message_id > question.message_id
    again = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "nazwę nabywcy" in m.content,
                                                after=notice)
    assert again.message_id > notice.message_id
    # Only the question came after the notice (not an error, not "nothing in progress").
    assert [m.message_id for m in bot.fake.bot_messages(user.chat_id) if m.message_id > notice.message_id] \
        == [again.message_id]
    # The dialogue goes on from the same step.
    await bot.say(user, "ACME Sp. z o.o.", contains="adres nabywcy")
    [state] = await bot.table_rows("chat_states")
    assert state["step"] == "buyer_address" and state["data"]["draft"]["buyer"]["name"] == "ACME Sp. z o.o."


async def test_notice_outside_a_dialogue_stands_alone(bot_factory: Callable[..., Any]) -> None:
    bot, user, nip = await connected_bot(bot_factory, 19102)
    ksef_number = bot.sim.inject_invoice(invoice_xml(nip, "FV/10/2026"))
    notice = await wait_mentioned(bot, user.chat_id, ksef_number)
    # Proof of "nothing after it": a command answered next is the very next message.
    answer = await bot.say(user, "/cancel", contains="Nic teraz nie trwa")
    assert [m.message_id for m in bot.fake.bot_messages(user.chat_id) if m.message_id > notice.message_id] \
        == [answer.message_id]
