"""A new user's journey against a Bot API that enforces Telegram's flood limits (~30 messages/s overall,
~1/s per chat with a small burst): onboarding, an invoice issued online, one issued offline, and a KSeF
failure alert. Every message goes through the one paced sender (direct replies included), so Telegram
never answers 429, and each chat sees the bot's messages in the order the bot meant them."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.botapi import ChatMessage
from tests.bot.test_availability import failure_message
from tests.bot.test_availability_bot import ALERT, add_users
from tests.bot.test_companies import connect_in_chat
from tests.bot.test_issuing import BUYER_NIP, confirm_and_collect, to_preview
from tests.bot.test_offline_issuing import add_offline_certificate
from tests.fixtures.bot import BotFactory, BotHarness

OFFLINE = "📴 Wystaw offline"


def filename(message: ChatMessage) -> str:
    return (message.document.filename or "") if message.document else ""


async def documents_after(bot: BotHarness, chat_id: int, after: int) -> list[ChatMessage]:
    """Wait for the PDF and the XML of an issued invoice sent after message ``after``."""
    await bot.fake.wait_for_bot_message(chat_id, lambda m: filename(m).endswith(".xml"), after=after,
                                        timeout=60)
    return [m for m in bot.fake.bot_messages(chat_id) if m.message_id > after and m.document is not None]


@pytest.mark.botapi(enforce_limits=True)
async def test_journey_meets_no_429_and_keeps_each_chat_in_order(bot_factory: BotFactory, sim: Any) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3, availability_interval=0.3, inbox_tick=0.2)
    user = bot.user(9001)
    await add_users(bot, range(9002, 9004))  # others who get the failure alert too

    # Onboarding through the chat: the guide, the NIP, the token (deleted at once), the company card.
    nip, token = sim.create_subject()
    await connect_in_chat(bot, user, nip, token)
    company_id = (await bot.services.companies.require_active_company(user.id)).id
    await bot.services.profiles.save(user.id, company_id, name="Jan Kowalski Usługi IT",
                                     address=["ul. Długa 5", "00-001 Warszawa"], vat_exempt=False,
                                     bank_account="61 1090 1014 0000 0712 1981 2874", default_rate="23",
                                     payment_days=14)

    # Online: the preview turns into "sending…", then the KOD I photo, then PDF + XML as one group.
    preview = await to_preview(bot, user, f"/wystaw {BUYER_NIP} Usługa programistyczna 1 x 5000 23%")
    online = await confirm_and_collect(bot, user, preview)
    assert [m.photo is not None for m in online] == [True, False, False]
    assert [filename(m)[-4:] for m in online[1:]] == [".pdf", ".xml"]

    # Offline (KSeF down, the user's choice): one picture with both codes, then PDF + XML.
    await add_offline_certificate(bot, user.id, nip, company_id)
    sim.set_availability(api="down")
    second = await bot.say(user, f"/wystaw {BUYER_NIP} Hosting 12 x 100 23%", contains="Podgląd faktury")
    offline = await bot.press(user, second, OFFLINE, contains="wystawiona offline", timeout=30)
    assert offline.photo is not None
    # The preview turned into "issuing offline", not "sending to KSeF".
    progress = bot.fake.message(user.chat_id, second.message_id)
    assert progress is not None and "Wystawiam offline" in progress.content
    assert "Wysyłam" not in progress.content
    assert [filename(m)[-4:] for m in await documents_after(bot, user.chat_id, offline.message_id)] == \
        [".pdf", ".xml"]

    # A KSeF failure announced: every user hears it once.
    sim.set_availability(latarnia={"status": "FAILURE", "messages": [failure_message()]})
    for chat_id in (user.chat_id, 9002, 9003):
        await bot.fake.wait_for_bot_message(chat_id, lambda m: ALERT in m.content, after=0, timeout=30)

    async def settled() -> bool:
        return await bot.services.outbox.unsent_for(user.chat_id) == 0

    await bot.eventually(settled, timeout=30, message="every queued message of the chat sent")
    rejected = bot.fake.rejected_calls(429)
    assert bot.fake.too_many_requests == 0, f"{len(rejected)} answers of 429: {[c.method for c in rejected]}"

    # Per-chat order: rows of one priority reach the chat in the order they were queued, each row's
    # messages together; the offline invoice's news comes after the online one's.
    rows = sorted((r for r in await bot.table_rows("outbox") if r["chat_id"] == user.chat_id),
                  key=lambda r: r["id"])
    assert {r["kind"] for r in rows} >= {"issued.result", "issued.documents", "availability.alert"}
    assert all(r["status"] in ("sent", "dropped") for r in rows), [(r["kind"], r["status"]) for r in rows]
    for priority in {r["priority"] for r in rows}:
        firsts = [r["message_ids"][0] for r in rows if r["priority"] == priority and r["status"] == "sent"]
        assert firsts == sorted(firsts), (priority, firsts)
    for row in rows:
        ids = row["message_ids"]
        assert ids == list(range(ids[0], ids[0] + len(ids))) if ids else row["status"] == "dropped"
    assert online[-1].message_id < offline.message_id
