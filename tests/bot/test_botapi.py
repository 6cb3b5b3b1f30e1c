"""The fake Bot API against a real python-telegram-bot 22 Application over loopback HTTP."""

from __future__ import annotations

import asyncio
import datetime
import html
import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from PIL import Image
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox.botapi import (
    EntityParseError,
    FakeBotApi,
    FloodLimits,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)
from tests.fixtures.botapi import BotApiHandle, in_process_builder

USER = 4242


# --- a tiny echo bot built for these tests ----------------------------------------------------------

async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"Cześć! args={args}")


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    assert msg is not None and msg.text is not None
    if msg.text == "tajne":
        await msg.delete()  # what the bot does with tokens and passwords
        await msg.reply_text("Usunięto wiadomość z sekretem.")
        return
    if msg.text == "plik":
        await msg.reply_document(b"%PDF-1.7 faktura", filename="FA_1_2026.pdf", caption="Faktura")
        return
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Potwierdź", callback_data="ok:1"),
                                      InlineKeyboardButton("Strona", url="https://ksef.mf.gov.pl")]])
    await msg.reply_text(f"<b>Echo</b>: {html.escape(msg.text)}", parse_mode="HTML", reply_markup=keyboard)


async def _button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Zapisano")
    await query.edit_message_text(f"Wybrano {query.data}")


async def _document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    msg = update.effective_message
    assert msg is not None and msg.document is not None
    tg_file = await msg.document.get_file()
    data = bytes(await tg_file.download_as_bytearray())
    context.bot_data["received"] = data
    await msg.reply_text(f"Odebrano {msg.document.file_name}: {len(data)} B")


def build_app(botapi: BotApiHandle) -> Application[Any, Any, Any, Any, Any, Any]:
    return build_app_from(botapi.builder())


def build_app_from(builder: Any) -> Application[Any, Any, Any, Any, Any, Any]:
    app = builder.build()
    app.add_handler(CommandHandler("start", _start))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(MessageHandler(filters.Document.ALL, _document))
    app.add_handler(CallbackQueryHandler(_button))
    return app


@pytest.fixture
async def polling_app(botapi: BotApiHandle) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """The echo bot started with updater polling in the test's loop (what run_polling does)."""
    app = build_app(botapi)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


# --- polling end to end ----------------------------------------------------------------------------

async def test_text_in_text_out_with_start_payload(botapi: BotApiHandle, polling_app: Application) -> None:
    user = botapi.fake.user(USER, "Anna")
    await user.send_command("/start", args="nip_5260250274")
    reply = await botapi.fake.wait_for_bot_message(USER)
    assert reply.text == "Cześć! args=nip_5260250274"
    assert reply.raw["from"]["is_bot"] is True
    assert reply.raw["chat"]["id"] == USER

    await user.send_text("a <b> & c")
    echo = await botapi.fake.wait_for_bot_message(USER)
    # HTML parsed like Telegram: tags become entities, escapes are decoded.
    assert echo.text == "Echo: a <b> & c"
    assert echo.entities == ({"type": "bold", "offset": 0, "length": 4},)
    assert [b.text for b in echo.all_buttons] == ["Potwierdź", "Strona"]
    # message ids are per chat and shared by both sides, as in a private chat
    ids = [m.message_id for m in botapi.fake.chat_messages(USER)]
    assert ids == sorted(ids) and ids[0] == 1
    # getMe was answered with a bot user, so PTB knows its username
    assert polling_app.bot.username == botapi.fake.bot_user["username"]
    assert botapi.fake.get_updates_calls >= 1
    assert not botapi.fake.calls_of("getUpdates")  # long polls stay off the call log


async def test_button_press_answers_and_edits(botapi: BotApiHandle, polling_app: Application) -> None:
    user = botapi.fake.user(USER)
    await user.send_text("faktura")
    menu = await botapi.fake.wait_for_bot_message(USER)
    press = await user.press(menu, "Potwierdź")
    await botapi.fake.wait_until(lambda: (q := botapi.fake.callback_query(press.id)) and q.answered)
    edited = await botapi.fake.wait_for_bot_message(USER, lambda m: m.edited, after=menu.message_id - 1)
    assert edited.message_id == menu.message_id
    assert edited.text == "Wybrano ok:1"
    assert edited.buttons == ()  # edit without reply_markup removes the keyboard
    query = botapi.fake.callback_query(press.id)
    assert query is not None and query.answer_text == "Zapisano"
    with pytest.raises(LookupError):
        await user.press(menu, "Nie ma takiego")


async def test_document_upload_is_downloaded_byte_for_byte(
        botapi: BotApiHandle, polling_app: Application) -> None:
    user = botapi.fake.user(USER)
    payload = bytes(range(256)) * 40
    await user.send_document("klucz.key", payload)
    reply = await botapi.fake.wait_for_bot_message(USER)
    assert reply.text == f"Odebrano klucz.key: {len(payload)} B"
    assert polling_app.bot_data["received"] == payload
    assert botapi.fake.calls_of("getFile")


async def test_bot_sends_document_and_deletes_secret(botapi: BotApiHandle, polling_app: Application) -> None:
    user = botapi.fake.user(USER)
    await user.send_text("plik")
    doc = await botapi.fake.wait_for_bot_message(USER)
    assert botapi.fake.sent_documents(USER) == [("FA_1_2026.pdf", b"%PDF-1.7 faktura")]
    assert doc.caption == "Faktura"
    assert doc.document is not None and doc.raw["document"]["file_size"] == len(b"%PDF-1.7 faktura")
    call = botapi.fake.calls_of("sendDocument")[0]
    assert call.files["document"].content == b"%PDF-1.7 faktura" and call.chat_id == USER

    secret = await user.send_text("tajne")
    await botapi.fake.wait_for_bot_message(USER)
    assert secret.message_id in botapi.fake.deleted_message_ids(USER)
    deleted = botapi.fake.message(USER, secret.message_id)
    assert deleted is not None and deleted.deleted
    assert botapi.fake.calls_of("deleteMessage")[0].params["message_id"] == secret.message_id


# --- process_update, errors ------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_process_update_and_injected_429(botapi: BotApiHandle) -> None:
    app = build_app(botapi)
    fake = botapi.fake
    fake.user(USER)
    async with app:
        fake.fail_next("sendMessage", status=429, retry_after=3)
        with pytest.raises(RetryAfter) as err:
            await app.bot.send_message(USER, "raz")
        assert err.value.retry_after in (3, datetime.timedelta(seconds=3))
        assert fake.too_many_requests == 1
        assert (await app.bot.send_message(USER, "dwa")).message_id == 1  # only the next call failed

        # An update built from the fake's own JSON runs through the handlers without polling.
        msg = await fake.user(USER).send_text("ręcznie")
        update = Update.de_json({"update_id": 1, "message": dict(msg.raw)}, app.bot)
        await app.process_update(update)
        assert fake.last_bot_message(USER) is not None
        assert fake.last_bot_message(USER).text == "Echo: ręcznie"  # type: ignore[union-attr]


async def test_errors_like_telegram(botapi: BotApiHandle) -> None:
    app = build_app(botapi)
    fake = botapi.fake
    fake.user(USER)
    async with app:
        bot = app.bot
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(USER, 999)
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(777, "nikt")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(USER, "x" * 4097)
        assert (await bot.send_message(USER, "ż" * 4096)).text == "ż" * 4096
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER, "<b>bez końca", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER, "<div>nie</div>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(USER, "Kropka.", parse_mode="MarkdownV2")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(USER, "x", reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton("za długie", callback_data="x" * 65)]]))
        sent = await bot.send_message(USER, "stałe")
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text("stałe", chat_id=USER, message_id=sent.message_id)
        fake.block_user(USER)
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(USER, "jesteś?")
        fake.block_user(USER, blocked=False)
        fake.fail_next("sendMessage", status=502)
        with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
            await bot.send_message(USER, "proxy")
        fake.fail_next("sendMessage", drop=True)
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "zerwane")
        assert (await bot.send_message(USER, "znowu działa")).text == "znowu działa"
        failed = [c for c in fake.calls_of("sendMessage") if not c.ok]
        assert {c.error_code for c in failed} >= {400, 403, 502}


async def test_file_too_big_for_getfile(botapi: BotApiHandle) -> None:
    app = build_app(botapi)
    async with app:
        big = await botapi.fake.user(USER).send_document("duzy.zip", b"\0" * (20 * 1024 * 1024 + 1))
        assert big.document is not None
        with pytest.raises(BadRequest, match=r"(?i)file is too big"):
            await app.bot.get_file(big.document.file_id)


async def test_photo_commands_and_unknown_method(botapi: BotApiHandle) -> None:
    app = build_app(botapi)
    fake = botapi.fake
    fake.user(USER)
    png = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(png, format="PNG")
    async with app:
        sent = await app.bot.send_photo(USER, png.getvalue(), caption="QR")
        assert sent.photo[-1].width == 300 and sent.photo[-1].height == 200
        assert fake.bot_messages(USER)[-1].photo is not None
        from telegram import BotCommand, MenuButtonCommands
        await app.bot.set_my_commands([BotCommand("start", "Początek"), BotCommand("pomoc", "Pomoc")])
        assert [c.command for c in await app.bot.get_my_commands()] == ["start", "pomoc"]
        assert await app.bot.set_chat_menu_button(menu_button=MenuButtonCommands())
        with pytest.raises(BadRequest):
            await app.bot.set_my_commands([BotCommand("Zła komenda", "x")])
        await app.bot.send_chat_action(USER, "typing")
    async with httpx.AsyncClient() as client:
        res = await client.post(f"{botapi.api_url}{botapi.token}/noSuchMethod")
        assert res.status_code == 404
        assert res.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        wrong = await client.post(f"{botapi.api_url}123:wrong/getMe")
        assert wrong.status_code == 401


async def test_limits_answer_429_beyond_one_per_second_per_chat() -> None:
    now = [1000.0]
    fake = FakeBotApi(enforce_limits=True, limits=FloodLimits(private_burst=2), clock=lambda: now[0])
    fake.user(1)
    fake.user(2)
    transport = httpx.ASGITransport(app=fake)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        async def send(chat: int) -> httpx.Response:
            return await client.post(f"/bot{fake.token}/sendMessage",
                                     data={"chat_id": str(chat), "text": "hi"})

        assert (await send(1)).status_code == 200
        assert (await send(1)).status_code == 200  # burst of 2
        third = await send(1)
        assert third.status_code == 429
        assert third.json()["parameters"]["retry_after"] == 1
        assert (await send(2)).status_code == 200  # another chat is not held back
        now[0] += 1.0
        assert (await send(1)).status_code == 200  # one more per second
        assert (await send(1)).status_code == 429
    assert fake.flood.stats.rejected_chat == 2
    assert fake.too_many_requests == 2


@pytest.mark.botapi(enforce_limits=True)
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_limits_seen_by_ptb_as_retry_after(botapi: BotApiHandle) -> None:
    app = build_app(botapi)
    botapi.fake.user(USER)
    async with app:
        with pytest.raises(RetryAfter):
            for n in range(10):  # far above 1/s with a burst of 3, whatever the machine's speed
                await app.bot.send_message(USER, f"wiadomość {n}")
    assert botapi.fake.flood.stats.rejected_chat >= 1


# --- webhook ---------------------------------------------------------------------------------------

async def test_webhook_push_with_secret_header(botapi: BotApiHandle) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []

    async def hook(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = dict(scope["headers"])
        received.append((json.loads(body), headers.get(b"x-telegram-bot-api-secret-token", b"").decode()))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake = botapi.fake
    fake.webhook_transport = httpx.ASGITransport(app=hook)
    async with httpx.AsyncClient() as client:
        url = f"{botapi.api_url}{botapi.token}"
        bad = await client.post(f"{url}/setWebhook",
                                data={"url": "http://hook/x", "secret_token": "zły sekret"})
        assert bad.status_code == 400
        ok = await client.post(f"{url}/setWebhook", data={"url": "http://hook/x", "secret_token": "s3cret_-"})
        assert ok.json() == {"ok": True, "result": True}
        conflict = await client.post(f"{url}/getUpdates")
        assert conflict.status_code == 409
        await fake.user(USER).send_text("przez webhook")
        assert received[0][0]["message"]["text"] == "przez webhook"
        assert received[0][1] == "s3cret_-"
        info = (await client.post(f"{url}/getWebhookInfo")).json()["result"]
        assert info["url"] == "http://hook/x" and info["pending_update_count"] == 0
        await client.post(f"{url}/deleteWebhook")
        await fake.user(USER).send_text("do kolejki")
        polled = (await client.post(f"{url}/getUpdates", data={"timeout": "0"})).json()["result"]
        assert [u["message"]["text"] for u in polled] == ["do kolejki"]


async def test_long_poll_returns_when_update_arrives(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    async with httpx.AsyncClient(timeout=30) as client:
        url = f"{botapi.api_url}{botapi.token}/getUpdates"
        poll = asyncio.create_task(client.post(url, data={"timeout": "20"}))
        await fake.wait_until(lambda: fake.get_updates_calls >= 1)
        await fake.user(USER).send_text("obudź się")
        result = (await asyncio.wait_for(poll, 10)).json()["result"]
        assert result[0]["message"]["text"] == "obudź się"
        # confirmed by offset → gone
        after = (await client.post(url, data={"offset": str(result[0]["update_id"] + 1)})).json()["result"]
        assert after == []


# --- other ways of running the bot -----------------------------------------------------------------

async def test_in_process_transport_polling_with_allowed_updates() -> None:
    fake = FakeBotApi()
    app = build_app_from(in_process_builder(fake))
    user = fake.user(USER)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=2, allowed_updates=["message"])
        try:
            menu_src = await user.send_text("hej")
            menu = await fake.wait_for_bot_message(USER)
            assert menu.text == "Echo: hej"
            await user.press(menu, "ok:1")  # a callback_query: not allowed, never delivered
            await user.send_text("dalej")
            nxt = await fake.wait_for_bot_message(USER)
            assert nxt.text == "Echo: dalej"
            assert fake.message(USER, menu.message_id).edit_count == 0  # type: ignore[union-attr]
            assert not fake.calls_of("answerCallbackQuery")
            assert menu_src.message_id < menu.message_id
        finally:
            await app.updater.stop()
            await app.stop()


# PTB's own webhook server (Updater.start_webhook, tornado) is not part of the bot: bot/web.py serves the
# webhook, and tests/bot/test_web.py and tests/bot/test_onboarding_process.py drive it through this fake
# over HTTP, forged secrets included.


async def test_reply_parameters_and_version_changes(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    app = build_app(botapi)
    async with app:
        user_msg = await fake.user(USER).send_text("pytanie")
        before = fake.version
        answer = await app.bot.send_message(USER, "odpowiedź", reply_to_message_id=user_msg.message_id)
        assert answer.reply_to_message is not None
        assert answer.reply_to_message.text == "pytanie"
        assert fake.version > before
        assert await fake.wait_for_change(fake.version, 0.01) == fake.version  # nothing new: times out
        with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
            await app.bot.send_message(USER, "x", reply_to_message_id=999)


# --- formatted text as Telegram parses it ----------------------------------------------------------

def test_html_parser_entities_and_errors() -> None:
    text, entities = parse_html(
        '<b>Faktura</b> <a href="https://ksef.mf.gov.pl/?a=1&amp;b=2">KSeF</a> &lt;tag&gt; 1 &amp; 2 & 3 '
        '<pre><code class="language-xml">&lt;Fa/&gt;</code></pre> 😀<i>x</i>')
    assert text == "Faktura KSeF <tag> 1 & 2 & 3 <Fa/> 😀x"
    types = [e["type"] for e in entities]
    assert types == ["bold", "text_link", "pre", "italic"]
    assert entities[1]["url"] == "https://ksef.mf.gov.pl/?a=1&b=2"
    assert entities[2]["language"] == "xml"
    assert entities[3]["offset"] == utf16_len("Faktura KSeF <tag> 1 & 2 & 3 <Fa/> 😀")  # emoji = 2 units
    for bad, detail in [("<b>a", 'end tag corresponding to start tag "b"'), ("<b>a</i>", "Unmatched end tag"),
                        ("a < b", 'Unsupported start tag ""'), ("<br>", 'Unsupported start tag "br"'),
                        ("</b>", "Unexpected end tag"), ("<b", "Unclosed start tag"),
                        ('<span class="x">a</span>', "tg-spoiler")]:
        with pytest.raises(EntityParseError, match=re.escape(detail)):
            parse_html(bad)


def test_markdown_v2_parser() -> None:
    text, entities = parse_markdown_v2(r"*Suma:* 1\.234,50 zł \- [link](https://a.pl/x) `kod\`` ||ukryte||")
    assert text == "Suma: 1.234,50 zł - link kod` ukryte"
    assert [e["type"] for e in entities] == ["bold", "text_link", "code", "spoiler"]
    with pytest.raises(EntityParseError, match="reserved"):
        parse_markdown_v2("Kwota 1.00")
    with pytest.raises(EntityParseError, match="Can't find end"):
        parse_markdown_v2("*bez końca")


# --- concurrency and edge cases --------------------------------------------------------------------

async def test_many_users_at_once_thread_safe(botapi: BotApiHandle, polling_app: Application) -> None:
    fake = botapi.fake
    users = [fake.user(10_000 + n, f"U{n}") for n in range(15)]

    async def talk(user: Any) -> list[str]:
        texts = []
        for n in range(3):
            await user.send_text(f"{user.id}-{n}")
            reply = await fake.wait_for_bot_message(user.chat_id, lambda m, n=n: m.text.endswith(f"-{n}"))
            texts.append(reply.text)
        return texts

    results = await asyncio.gather(*(talk(u) for u in users))
    for user, texts in zip(users, results, strict=True):
        assert texts == [f"Echo: {user.id}-{n}" for n in range(3)]
        ids = [m.message_id for m in fake.chat_messages(user.chat_id)]
        assert ids == list(range(1, 7))  # user, bot, user, bot, ... with no gaps or duplicates
    assert len(fake.calls_of("sendMessage")) == 45


async def test_edit_markup_delete_twice_and_user_photo(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    app = build_app(botapi)
    png = io.BytesIO()
    Image.new("RGB", (1280, 720), "red").save(png, format="PNG")
    async with app:
        bot = app.bot
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
        fake.user(USER)
        sent = await bot.send_message(USER, "menu", reply_markup=keyboard)
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)
        current = fake.message(USER, sent.message_id)
        assert current is not None and current.buttons == () and current.edited
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=None)
        assert await bot.delete_message(USER, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(USER, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id)
        photo_msg = await fake.user(USER).send_photo(png.getvalue(), caption="skan")
        sizes = photo_msg.raw["photo"]
        assert sizes[-1]["width"] == 1280 and sizes[0]["width"] < 1280
        tg_file = await bot.get_file(sizes[-1]["file_id"])
        assert bytes(await tg_file.download_as_bytearray()) == png.getvalue()
        with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
            await bot.send_photo(USER, b"not an image", filename="x.jpg")
