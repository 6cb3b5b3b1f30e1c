"""The fake Bot API's stores: users and their private chats, messages, files, button presses, pending
updates, injected faults. They are read and changed under ``FakeBotApi.lock`` only."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.records import CallbackQueryRecord, ChatMessage, StoredFile
from bot.sandbox.botapi.wire import Fault

if TYPE_CHECKING:
    from bot.sandbox.botapi.users import FakeUser


@dataclass
class BotApiState:
    """Everything a Telegram server would keep for one bot."""

    users: dict[int, FakeUser] = field(default_factory=dict)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)  # Chat JSON by id
    messages: dict[int, list[ChatMessage]] = field(default_factory=dict)  # per chat, oldest first
    next_message_id: dict[int, int] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)  # by file_id
    file_paths: dict[str, str] = field(default_factory=dict)  # file_path -> file_id
    file_numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    callbacks: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)  # not yet confirmed by the bot
    update_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(secrets.randbelow(10_000_000) + 100_000))
    allowed_updates: list[str] = field(default_factory=list)
    poll_generation: int = 0  # a newer getUpdates ends an older one with 409, as Telegram does
    polls_waiting: int = 0  # getUpdates calls waiting for an update right now
    hold_polls: bool = False  # long polls wait until the server closes (a quiet stop, see hold_polling)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)
    # The keyboard under each chat's message field (a bot's ReplyKeyboardMarkup stays until replaced or
    # removed), as its labels row by row.
    reply_keyboards: dict[int, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    media_group_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(13_000_000_000_000_000 + secrets.randbelow(10**15)))
