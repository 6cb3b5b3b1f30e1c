"""What the fake Bot API records and hands to tests: calls, files, messages, button presses, errors."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part of an API call."""

    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made (``getUpdates`` is counted in ``FakeBotApi.get_updates_calls`` only)."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    chat_id: int | str | None
    at: float
    ok: bool = True
    error_code: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file the server knows by ``file_id`` (uploaded by a user or by the bot)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """A message in a chat as the user sees it; a snapshot (edits and deletes make new snapshots)."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    caption: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    deleted: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)
    media_group_id: str | None = None  # the album (sendMediaGroup) the message belongs to

    @property
    def edited(self) -> bool:
        """True once the bot has edited it."""
        return self.edit_count > 0

    @property
    def all_buttons(self) -> list[Button]:
        """The inline keyboard, flattened row by row."""
        return [b for row in self.buttons for b in row]

    @property
    def content(self) -> str:
        """Text or caption (empty string when neither)."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass(frozen=True)
class CallbackQueryRecord:
    """A button press and how the bot answered it."""

    id: str
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


class BotApiError(Exception):
    """An API call refused the way Telegram refuses it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> BotApiError:
    """Telegram's 400 answer, ``"Bad Request: <description>"``."""
    return BotApiError(400, f"Bad Request: {description}")


def make_token() -> str:
    """A Bot-API-shaped token generated at run time (never a real one)."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"
