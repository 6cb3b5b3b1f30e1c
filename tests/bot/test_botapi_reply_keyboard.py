"""The fake Bot API keeps the keyboard under each chat's message field as Telegram does: a bot's
ReplyKeyboardMarkup replaces it, ReplyKeyboardRemove removes it, other messages leave it, a malformed one
is refused; a tap sends the label as the user's text (and only a label that is shown)."""

from __future__ import annotations

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.sandbox.botapi import FakeBotApi
from tests.fixtures.botapi import in_process_builder

USER = 4242


async def test_reply_keyboard_is_kept_per_chat_until_replaced_or_removed() -> None:
    fake = FakeBotApi()
    user = fake.user(USER)
    fake.user(USER + 1)
    app = in_process_builder(fake).build()
    async with app:
        await app.bot.send_message(USER, "menu", reply_markup=ReplyKeyboardMarkup(
            [["🧾 Wystaw", "❓ Pomoc"], ["⚙️ Ustawienia"]], resize_keyboard=True, is_persistent=True))
        assert fake.reply_keyboard(USER) == (("🧾 Wystaw", "❓ Pomoc"), ("⚙️ Ustawienia",))
        assert fake.reply_keyboard(USER + 1) == ()  # per chat
        # Messages without one (or with inline buttons) leave it in place.
        await app.bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("ok", callback_data="a:b")]]))
        assert fake.reply_keyboard(USER)[0] == ("🧾 Wystaw", "❓ Pomoc")
        tapped = await user.tap("❓ Pomoc")
        assert tapped.text == "❓ Pomoc" and not tapped.from_bot
        with pytest.raises(LookupError):
            await user.tap("🧾 Issue")
        await app.bot.send_message(USER, "bez menu", reply_markup=ReplyKeyboardRemove())
        assert fake.reply_keyboard(USER) == ()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://fake") as client:
        for markup in ('{"keyboard": "x"}', '{"keyboard": [[{"text": ""}]]}', '{"keyboard": []}'):
            answer = await client.post(f"/bot{fake.token}/sendMessage",
                                       data={"chat_id": str(USER), "text": "x", "reply_markup": markup})
            assert answer.status_code == 400, markup
    assert fake.reply_keyboard(USER) == ()
