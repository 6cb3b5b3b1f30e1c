"""The fake Bot API's albums (sendMediaGroup), media edits, album flood accounting and quiet stop,
against a real python-telegram-bot 22 Bot over loopback HTTP."""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
import pytest
from PIL import Image
from telegram import InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest

from bot.sandbox.botapi import FakeBotApi, FloodLimits
from tests.fixtures.botapi import BotApiHandle

USER = 5151


def png(color: str, size: tuple[int, int] = (120, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_document_album_pdf_and_xml_with_captions(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    fake.user(USER)
    async with botapi.builder().build() as app:
        sent = await app.bot.send_media_group(USER, [
            InputMediaDocument(b"%PDF-1.7 faktura", filename="FV_1_2026.pdf", caption="Wydruk"),
            InputMediaDocument(b"<Faktura/>", filename="FV_1_2026.xml", caption="<b>XML</b> z KSeF",
                               parse_mode="HTML"),
        ])
    assert len(sent) == 2
    group = sent[0].media_group_id
    assert group is not None and sent[1].media_group_id == group
    assert [m.document.file_name for m in sent if m.document] == ["FV_1_2026.pdf", "FV_1_2026.xml"]
    album = fake.media_group(USER, group)
    assert [m.message_id for m in album] == [m.message_id for m in sent]
    assert [m.caption for m in album] == ["Wydruk", "XML z KSeF"]
    assert album[1].raw["caption_entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert fake.sent_documents(USER) == [("FV_1_2026.pdf", b"%PDF-1.7 faktura"),
                                         ("FV_1_2026.xml", b"<Faktura/>")]
    assert len(fake.calls_of("sendMediaGroup")) == 1


async def test_album_rules_as_telegram(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    fake.user(USER)
    async with botapi.builder().build() as app:
        bot = app.bot
        photos = await bot.send_media_group(USER, [InputMediaPhoto(png("red"), caption="KOD I"),
                                                   InputMediaPhoto(png("blue"), caption="KOD II")])
        assert all(m.photo for m in photos) and photos[0].caption == "KOD I"
        with pytest.raises(BadRequest, match="2-10 items"):
            await bot.send_media_group(USER, [InputMediaDocument(b"a", filename="a.txt")])
        with pytest.raises(BadRequest, match="2-10 items"):
            await bot.send_media_group(USER, [InputMediaPhoto(png("red"))] * 11)
        with pytest.raises(BadRequest, match="mixed"):
            await bot.send_media_group(USER, [InputMediaDocument(b"a", filename="a.pdf"),
                                              InputMediaPhoto(png("red"))])
        with pytest.raises(BadRequest, match="caption is too long"):
            await bot.send_media_group(USER, [InputMediaDocument(b"a", filename="a.pdf", caption="x" * 1025),
                                              InputMediaDocument(b"b", filename="b.pdf")])
    # Nothing of a refused album reached the chat: it is checked whole before anything is sent.
    assert len(fake.bot_messages(USER)) == 2
    # Albums take no reply markup: a keyboard passed anyway is ignored, as Telegram ignores it.
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{botapi.api_url}{botapi.token}/sendMediaGroup", json={
            "chat_id": USER, "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": "x"}]]},
            "media": [{"type": "document", "media": photos[0].photo[-1].file_id},
                      {"type": "document", "media": photos[1].photo[-1].file_id}]})
    assert answer.status_code == 200
    assert all("reply_markup" not in m for m in answer.json()["result"])


async def test_edit_media_and_caption(botapi: BotApiHandle) -> None:
    fake = botapi.fake
    fake.user(USER)
    async with botapi.builder().build() as app:
        bot = app.bot
        qr = await bot.send_photo(USER, png("black"), caption="Kod KSeF")
        edited = await bot.edit_message_media(InputMediaPhoto(png("green"), caption="Kod KSeF (nowy)"),
                                              chat_id=USER, message_id=qr.message_id)
        assert edited.caption == "Kod KSeF (nowy)" and edited.photo[-1].file_id != qr.photo[-1].file_id
        current = fake.message(USER, qr.message_id)
        assert current is not None and current.edited and current.photo is not None
        assert current.photo.content == png("green")
        # A media edit without a caption removes it, as Telegram does.
        plain = await bot.edit_message_media(InputMediaDocument(b"%PDF", filename="wydruk.pdf"),
                                             chat_id=USER, message_id=qr.message_id)
        assert plain.caption is None and plain.document is not None and not plain.photo
        with pytest.raises(BadRequest, match="not modified"):
            await bot.edit_message_media(InputMediaDocument(plain.document.file_id),
                                         chat_id=USER, message_id=qr.message_id)

        album = await bot.send_media_group(USER, [InputMediaDocument(b"1", filename="a.pdf"),
                                                  InputMediaDocument(b"2", filename="a.xml")])
        with pytest.raises(BadRequest, match="document album"):
            await bot.edit_message_media(InputMediaPhoto(png("red")), chat_id=USER,
                                         message_id=album[0].message_id)
        caption = await bot.edit_message_caption(USER, album[1].message_id, caption="XML (UPO)")
        assert not isinstance(caption, bool) and caption.caption == "XML (UPO)"
        assert caption.media_group_id == album[1].media_group_id


async def test_album_flood_cost_one_request_or_each_item() -> None:
    """By default an album takes one token from the chat's bucket; ``count_album_items`` makes each
    item count. Both are read back from the 429 counters."""
    clock = [100.0]
    for count_items, statuses in ((False, [200, 200, 429]), (True, [200, 429, 429])):
        fake = FakeBotApi(enforce_limits=True, clock=lambda: clock[0],
                          limits=FloodLimits(private_burst=2, count_album_items=count_items))
        fake.user(USER)
        stored = fake.store_file(b"x", kind="documents", filename="a.pdf", mime_type="application/pdf")
        album = [{"type": "document", "media": stored.file_id}] * 2
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="http://t") as client:
            got = [(await client.post(f"/bot{fake.token}/sendMediaGroup",
                                      json={"chat_id": USER, "media": album})).status_code,
                   (await client.post(f"/bot{fake.token}/sendMessage",
                                      json={"chat_id": USER, "text": "a"})).status_code,
                   (await client.post(f"/bot{fake.token}/sendMessage",
                                      json={"chat_id": USER, "text": "b"})).status_code]
        assert got == statuses, count_items
        rejected = statuses.count(429)
        assert fake.too_many_requests == rejected == fake.flood.stats.rejected_chat
        assert [c.method for c in fake.rejected_calls()] == ["sendMessage"] * rejected


async def test_held_polling_lets_the_updater_stop_quietly(botapi: BotApiHandle,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    fake = botapi.fake
    async with botapi.builder().build() as app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.hold_polling()
        await fake.wait_until(lambda: fake.polls_waiting > 0, timeout=5, message="a held poll")
        calls = fake.get_updates_calls
        with caplog.at_level(logging.ERROR, logger="telegram"):
            async with asyncio.timeout(5):  # the last, acknowledging getUpdates (timeout=0) answers at once
                await app.updater.stop()
        assert fake.get_updates_calls == calls + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
