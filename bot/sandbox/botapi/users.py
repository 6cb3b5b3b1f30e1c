"""Simulated Telegram users: each action in their private chat with the bot becomes an update."""

from __future__ import annotations

import mimetypes
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.media import file_json, photo_sizes
from bot.sandbox.botapi.records import CallbackQueryRecord, ChatMessage
from bot.sandbox.botapi.text import utf16_len

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi


class FakeUser:
    """A Telegram user in a private chat with the bot; every action becomes an update."""

    def __init__(self, fake: FakeBotApi, info: dict[str, Any]) -> None:
        self.fake = fake
        self.info = info

    @property
    def id(self) -> int:
        """User id (also the private chat id)."""
        return int(self.info["id"])

    @property
    def chat_id(self) -> int:
        """The private chat with the bot."""
        return self.id

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.info.get('first_name')!r})"

    def _message(self, fields: Callable[[dict[str, Any]], tuple[dict[str, Any], Mapping[str, Any]]]
                 ) -> tuple[ChatMessage, dict[str, Any]]:
        def build(base: dict[str, Any]) -> ChatMessage:
            extra, record = fields(base)
            base.update(extra)
            return ChatMessage(base["message_id"], self.chat_id, False, base["date"], raw=base, **record)
        msg = self.fake.add_message(self.chat_id, sender=self.info, build=build)
        return msg, dict(msg.raw)

    async def set_blocked(self, blocked: bool = True) -> dict[str, Any]:
        """Block (or unblock) the bot as Telegram does it: sends answer 403 from now on, and the bot gets
        a ``my_chat_member`` update (its status in this private chat: ``kicked`` / ``member``)."""
        self.fake.block_user(self.id, blocked)
        chat = {"id": self.chat_id, "type": "private", "first_name": self.info.get("first_name", "")}
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot = {k: self.fake.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        return await self.fake.push_update({"my_chat_member": {
            "chat": chat, "from": dict(self.info), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})},
        }})

    async def send_text(self, text: str, *, entities: Iterable[dict[str, Any]] = ()) -> ChatMessage:
        """Type and send a text message."""
        ents = list(entities)
        if not ents and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            ents = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"text": text}
            if ents:
                extra["entities"] = ents
            return extra, {"text": text, "entities": tuple(ents)}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def send_command(self, command: str, args: str = "") -> ChatMessage:
        """Send ``/command`` (leading slash optional) with optional arguments (deep-link payload)."""
        command = command if command.startswith("/") else "/" + command
        return await self.send_text(f"{command} {args}".strip())

    async def tap(self, label: str) -> ChatMessage:
        """Tap a button of the keyboard under the message field: Telegram sends its label as text."""
        shown = [text for row in self.fake.reply_keyboard(self.chat_id) for text in row]
        if label not in shown:
            raise LookupError(f"no {label!r} on the keyboard under the message field; it shows {shown}")
        return await self.send_text(label)

    async def press(self, message: ChatMessage | int, button: str) -> CallbackQueryRecord:
        """Press the inline button whose text or callback_data is ``button`` under a bot message."""
        mid = message.message_id if isinstance(message, ChatMessage) else message
        current = self.fake.message(self.chat_id, mid)
        if current is None or current.deleted:
            raise LookupError(f"message #{mid} is not in chat {self.chat_id} (or was deleted)")
        choice = next((b for b in current.all_buttons if button in (b.text, b.callback_data)), None)
        if choice is None:
            labels = [b.text for b in current.all_buttons]
            raise LookupError(f"no button {button!r} under message #{mid}; buttons: {labels}")
        if choice.callback_data is None:
            raise LookupError(f"button {button!r} is a URL button, it sends nothing to the bot")
        record = CallbackQueryRecord(id=str(secrets.randbelow(10**18) + 10**18), chat_id=self.chat_id,
                                     message_id=mid, data=choice.callback_data)
        with self.fake.lock:
            self.fake.state.callbacks[record.id] = record
        await self.fake.push_update({"callback_query": {
            "id": record.id, "from": dict(self.info), "message": dict(current.raw),
            "chat_instance": str(-(self.chat_id * 7919 % 10**12)), "data": choice.callback_data,
        }})
        return record

    async def send_document(self, filename: str, content: bytes, mime_type: str | None = None,
                            caption: str | None = None) -> ChatMessage:
        """Upload a file as a document; getFile on it serves the same bytes (unless > 20 MB)."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self.fake.store_file(content, kind="documents", filename=filename, mime_type=mime)

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"document": file_json(stored)}
            if caption:
                extra["caption"] = caption
            return extra, {"document": stored, "caption": caption}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def send_photo(self, content: bytes, caption: str | None = None,
                         filename: str = "photo.jpg") -> ChatMessage:
        """Send a picture (compressed, as the Telegram apps do for photos)."""
        stored = self.fake.store_file(content, kind="photos", filename=filename,
                                       mime_type=mimetypes.guess_type(filename)[0] or "image/jpeg")
        sizes = photo_sizes(stored)

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"photo": sizes}
            if caption:
                extra["caption"] = caption
            return extra, {"photo": stored, "caption": caption}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def send_sticker(self, emoji: str = "👍") -> ChatMessage:
        """Send a sticker (a static WebP one, as the sticker panel does)."""
        unique = secrets.token_hex(8)
        return await self._send_kind("sticker", {
            "file_id": "sticker-" + unique, "file_unique_id": unique, "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False, "emoji": emoji})

    async def send_voice(self, duration: int = 3) -> ChatMessage:
        """Send a voice message (OGG/Opus) of ``duration`` seconds."""
        unique = secrets.token_hex(8)
        return await self._send_kind("voice", {"file_id": "voice-" + unique, "file_unique_id": unique,
                                               "duration": duration, "mime_type": "audio/ogg"})

    async def send_location(self, latitude: float, longitude: float, *,
                            live_period: int | None = None) -> ChatMessage:
        """Share a location (``live_period``: a live location, updated by edits)."""
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period is not None:
            location["live_period"] = live_period
        return await self._send_kind("location", location)

    async def send_contact(self, phone_number: str, first_name: str) -> ChatMessage:
        """Share a contact."""
        return await self._send_kind("contact", {"phone_number": phone_number, "first_name": first_name})

    async def _send_kind(self, kind: str, payload: dict[str, Any]) -> ChatMessage:
        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            return {kind: payload}, {}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def edit(self, message: ChatMessage | int, text: str) -> ChatMessage:
        """Edit one of the user's own messages: its text (or its caption, for media) becomes ``text``;
        the bot gets an ``edited_message`` update, as from Telegram."""
        mid = message.message_id if isinstance(message, ChatMessage) else message
        current = self.fake.message(self.chat_id, mid)
        if current is None or current.deleted or current.from_bot:
            raise LookupError(f"message #{mid} is not the user's message in chat {self.chat_id}")
        raw = {k: v for k, v in current.raw.items() if k not in ("entities", "caption_entities")}
        field_name = "text" if current.text is not None else "caption"
        raw[field_name] = text
        raw["edit_date"] = int(time.time())
        changes: dict[str, Any] = {field_name: text, "raw": raw, "edit_count": current.edit_count + 1}
        if field_name == "text":
            changes["entities"] = ()
        new = self.fake.replace_message(self.chat_id, mid, lambda m: replace(m, **changes))
        await self.fake.push_update({"edited_message": dict(new.raw)})
        return new

