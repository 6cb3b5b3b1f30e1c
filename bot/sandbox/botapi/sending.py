"""Methods that put new bot messages into a chat: ``sendMessage``, ``sendDocument``, ``sendPhoto``,
``sendMediaGroup`` (an album of documents or of photos) and ``sendChatAction``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.keyboards import Keyboard, keyboard, reply_keyboard
from bot.sandbox.botapi.limits import (
    MAX_CAPTION,
    MAX_MEDIA_GROUP,
    MAX_PHOTO_UPLOAD,
    MAX_TEXT,
    MAX_UPLOAD,
    MIN_MEDIA_GROUP,
)
from bot.sandbox.botapi.media import file_json, input_media, photo_sizes, resolve_upload
from bot.sandbox.botapi.records import ChatMessage, StoredFile, UploadedFile, bad_request
from bot.sandbox.botapi.registry import method
from bot.sandbox.botapi.text import formatted

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi


def _reply_to(fake: FakeBotApi, chat_id: int, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The message a send replies to (``reply_parameters`` or the older ``reply_to_message_id``)."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        target, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        target, lenient = params.get("reply_to_message_id"), bool(params.get("allow_sending_without_reply"))
    if target is None:
        return None
    msg = fake.find_message(chat_id, target)
    if msg is None:
        if lenient:
            return None
        raise bad_request("message to be replied not found")
    return {k: v for k, v in msg.raw.items() if k != "reply_to_message"}


def bot_message(fake: FakeBotApi, chat_id: int, *, text: str | None = None,
                entities: list[dict[str, Any]] | None = None, caption: str | None = None,
                caption_entities: list[dict[str, Any]] | None = None,
                markup: dict[str, Any] | None = None, buttons: Keyboard = (),
                document: StoredFile | None = None, photo: StoredFile | None = None,
                sizes: list[dict[str, Any]] | None = None, media_group_id: str | None = None,
                params: Mapping[str, Any] | None = None) -> ChatMessage:
    """Append one message from the bot and return it (its ``raw`` is the Message JSON answered)."""
    reply_to = _reply_to(fake, chat_id, params or {})
    labels = reply_keyboard(markup)

    def build(base: dict[str, Any]) -> ChatMessage:
        if reply_to is not None:
            base["reply_to_message"] = reply_to
        if media_group_id is not None:
            base["media_group_id"] = media_group_id
        if text is not None:
            base["text"] = text
            if entities:
                base["entities"] = entities
        if document is not None:
            base["document"] = file_json(document)
        if photo is not None:
            base["photo"] = sizes
        if caption is not None:
            base["caption"] = caption
            if caption_entities:
                base["caption_entities"] = caption_entities
        if markup is not None and "inline_keyboard" in markup:
            base["reply_markup"] = markup  # only inline keyboards are part of the Message object
        return ChatMessage(base["message_id"], chat_id, True, base["date"], text, tuple(entities or ()),
                           caption, buttons, document, photo, raw=base, media_group_id=media_group_id)
    sent = fake.add_message(chat_id, sender=fake.bot_user, build=build)
    if labels is not None:
        fake.set_reply_keyboard(chat_id, labels)
    return sent


@method("sendMessage")
def _send_message(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake.chat_for_send(params)
    text, entities = formatted(params, "text", "entities", MAX_TEXT, required=True)
    markup, buttons = keyboard(params)
    return dict(bot_message(fake, chat_id, text=text, entities=entities, markup=markup,
                            buttons=buttons, params=params).raw)


@method("sendDocument")
def _send_document(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake.chat_for_send(params)
    caption, centities = formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = keyboard(params)
    stored = resolve_upload(fake, params.get("document"), files, field="document", kind="documents",
                            limit=MAX_UPLOAD)
    return dict(bot_message(fake, chat_id, caption=caption, caption_entities=centities, markup=markup,
                            buttons=buttons, document=stored, params=params).raw)


@method("sendPhoto")
def _send_photo(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake.chat_for_send(params)
    caption, centities = formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = keyboard(params)
    stored = resolve_upload(fake, params.get("photo"), files, field="photo", kind="photos",
                            limit=MAX_PHOTO_UPLOAD)
    return dict(bot_message(fake, chat_id, caption=caption, caption_entities=centities, markup=markup,
                            buttons=buttons, photo=stored, sizes=photo_sizes(stored), params=params).raw)


@method("sendMediaGroup")
def _send_media_group(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    """An album: 2–10 documents, or 2–10 photos; a caption per item; no reply markup (Telegram has
    no such parameter for albums). Every item becomes a message sharing one ``media_group_id``."""
    chat_id = fake.chat_for_send(params)
    items = params.get("media")
    if not isinstance(items, list):
        raise bad_request("can't parse media JSON object")
    if not MIN_MEDIA_GROUP <= len(items) <= MAX_MEDIA_GROUP:
        raise bad_request(f"media group must include {MIN_MEDIA_GROUP}-{MAX_MEDIA_GROUP} items")
    kinds = {item.get("type") if isinstance(item, dict) else None for item in items}
    # Telegram: documents (and audio) can only be grouped with items of the same type.
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("documents can't be mixed with other media in one album")
    album = [input_media(fake, item, files) for item in items]  # all checked before anything is sent
    with fake.lock:
        group_id = str(next(fake.state.media_group_ids))
    sent = [bot_message(fake, chat_id, caption=media.caption, caption_entities=media.caption_entities,
                        document=media.file if media.kind == "document" else None,
                        photo=media.file if media.kind == "photo" else None, sizes=media.sizes,
                        media_group_id=group_id, params=params)
            for media in album]
    return [dict(message.raw) for message in sent]


@method("sendChatAction")
def _send_chat_action(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    fake.chat_for_send(params)
    if not params.get("action"):
        raise bad_request("wrong parameter action in request")
    return True
