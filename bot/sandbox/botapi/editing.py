"""Changing what is already in a chat: the ``editMessage*`` methods, deleting messages, and answering
button presses (``answerCallbackQuery``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.keyboards import keyboard
from bot.sandbox.botapi.limits import MAX_CAPTION, MAX_TEXT
from bot.sandbox.botapi.media import input_media, media_json
from bot.sandbox.botapi.records import ChatMessage, UploadedFile, bad_request
from bot.sandbox.botapi.registry import method
from bot.sandbox.botapi.text import formatted

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi

_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")


def _editable(fake: FakeBotApi, params: Mapping[str, Any]) -> tuple[int, ChatMessage]:
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat_id = fake.chat_for_send(params)
    msg = fake.find_message(chat_id, params.get("message_id"))
    if msg is None:
        raise bad_request("message to edit not found")
    if not msg.from_bot:
        raise bad_request("message can't be edited")
    return chat_id, msg


def _edited(msg: ChatMessage, raw: dict[str, Any], **changes: Any) -> ChatMessage:
    raw["edit_date"] = int(time.time())
    return replace(msg, raw=raw, edit_count=msg.edit_count + 1, **changes)


@method("editMessageText")
def _edit_text(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(params, "text", "entities", MAX_TEXT, required=True)
    markup, buttons = keyboard(params)
    if text == msg.text and list(entities) == list(msg.entities) and markup == msg.raw.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k not in ("entities", "reply_markup")}
    raw["text"] = text
    if entities:
        raw["entities"] = entities
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake.replace_message(chat_id, msg.message_id, lambda m: _edited(
        m, raw, text=text, entities=tuple(entities), buttons=buttons))
    return dict(new.raw)


@method("editMessageCaption")
def _edit_caption(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    if msg.text is not None:
        raise bad_request("there is no caption in the message to edit")
    caption, centities = formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = keyboard(params)
    if caption == msg.caption and markup == msg.raw.get("reply_markup"):
        raise bad_request(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k not in ("caption", "caption_entities", "reply_markup")}
    if caption is not None:
        raw["caption"] = caption
        if centities:
            raw["caption_entities"] = centities
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake.replace_message(chat_id, msg.message_id, lambda m: _edited(
        m, raw, caption=caption, buttons=buttons))
    return dict(new.raw)


@method("editMessageMedia")
def _edit_media(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    """New media (and caption: none given removes it) for a bot message; a message of an album stays
    of the album's kind (a document album takes documents only), as the Bot API documents it."""
    chat_id, msg = _editable(fake, params)
    media = input_media(fake, params.get("media"), files)
    if msg.media_group_id is not None:
        album_kind = "document" if msg.document is not None else "photo"
        if media.kind != album_kind:
            raise bad_request(f"a message of a {album_kind} album can be edited only to a {album_kind}")
    markup, buttons = keyboard(params)
    current = msg.document or msg.photo
    if (current is not None and current.file_id == media.file.file_id and media.caption == msg.caption
            and markup == msg.raw.get("reply_markup")):
        raise bad_request(_NOT_MODIFIED)
    dropped = ("text", "entities", "document", "photo", "caption", "caption_entities", "reply_markup")
    raw = {k: v for k, v in msg.raw.items() if k not in dropped}
    raw.update(media_json(media))
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake.replace_message(chat_id, msg.message_id, lambda m: _edited(
        m, raw, text=None, entities=(), caption=media.caption, buttons=buttons,
        document=media.file if media.kind == "document" else None,
        photo=media.file if media.kind == "photo" else None))
    return dict(new.raw)


@method("editMessageReplyMarkup")
def _edit_markup(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    markup, buttons = keyboard(params)
    if markup == msg.raw.get("reply_markup") or (markup is None and "reply_markup" not in msg.raw):
        raise bad_request(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k != "reply_markup"}
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake.replace_message(chat_id, msg.message_id, lambda m: _edited(m, raw, buttons=buttons))
    return dict(new.raw)


@method("deleteMessage")
def _delete_message(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake.chat_for_send(params)
    msg = fake.find_message(chat_id, params.get("message_id"))
    if msg is None:
        raise bad_request("message to delete not found")
    fake.mark_deleted(chat_id, msg.message_id)
    return True


@method("deleteMessages")
def _delete_messages(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake.chat_for_send(params)
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("MESSAGE_IDS_INVALID")
    for mid in ids:
        if fake.find_message(chat_id, mid) is not None:
            fake.mark_deleted(chat_id, mid)
    return True


@method("answerCallbackQuery")
def _answer_callback(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    query_id = str(params.get("callback_query_id") or "")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    with fake.lock:
        record = fake.state.callbacks.get(query_id)
        if record is None or record.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        fake.state.callbacks[query_id] = replace(record, answered=True, answer_text=text,
                                                 show_alert=bool(params.get("show_alert")))
    fake.notify()
    return True
