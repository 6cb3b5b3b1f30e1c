"""A local Telegram Bot API server: real python-telegram-bot Applications talk to it over HTTP.

It serves ``/bot<token>/<method>`` and ``/file/bot<token>/<file_path>`` like api.telegram.org, keeps
simulated users and their private chats, records every call, and can inject faults and enforce
Telegram's limits (sizes, and flood control: ~30 messages/s overall, ~1/s per chat with a small
burst, 429 with ``retry_after``). Tests drive it with :class:`FakeUser` (``send_text``, ``press``,
...) and read the conversation back with :meth:`FakeBotApi.chat_messages`; the sandbox web chat uses
it as its backend. 429s: ``fake.too_many_requests`` (all), ``fake.rejected_calls()``,
``fake.flood.stats`` (the limiter's, per chat).

The package, by concern:

- ``fake``: :class:`FakeBotApi` — state, waits and reads for tests, fault injection, the ASGI endpoint;
- ``records``: what it records and returns (``ApiCall``, ``ChatMessage``, ``StoredFile``, ...);
- ``state``: its stores; ``registry``: which function answers which method;
- ``sending`` (sendMessage/Document/Photo/MediaGroup), ``editing`` (edits, deletes, button answers),
  ``media`` (uploads, InputMedia, getFile), ``updates`` (getUpdates, webhooks), ``bot_profile``
  (getMe, commands, menu button, descriptions, getChat);
- ``keyboards`` (inline buttons, and each chat's reply keyboard: ``FakeBotApi.reply_keyboard``,
  ``FakeUser.tap``), ``text`` (parse modes, entities), ``limits`` (sizes, flood control), ``wire``
  (HTTP parameters, errors, injected faults);
- ``waiting``: waits on state changes from any thread's event loop;
- ``users``: :class:`FakeUser`; ``server``: :class:`BotApiServer` (uvicorn on loopback).
"""

from bot.sandbox.botapi.fake import FakeBotApi
from bot.sandbox.botapi.limits import (
    COUNTED_METHODS,
    MAX_CAPTION,
    MAX_TEXT,
    FloodControl,
    FloodLimits,
    LimitStats,
)
from bot.sandbox.botapi.records import (
    ApiCall,
    BotApiError,
    Button,
    CallbackQueryRecord,
    ChatMessage,
    StoredFile,
    UploadedFile,
    make_token,
)
from bot.sandbox.botapi.server import BotApiServer
from bot.sandbox.botapi.text import (
    EntityParseError,
    parse_formatted,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)
from bot.sandbox.botapi.users import FakeUser
from bot.sandbox.botapi.wire import ConnectionDropped

__all__ = [
    "COUNTED_METHODS",
    "MAX_CAPTION",
    "MAX_TEXT",
    "ApiCall",
    "BotApiError",
    "BotApiServer",
    "Button",
    "CallbackQueryRecord",
    "ChatMessage",
    "ConnectionDropped",
    "EntityParseError",
    "FakeBotApi",
    "FakeUser",
    "FloodControl",
    "FloodLimits",
    "LimitStats",
    "StoredFile",
    "UploadedFile",
    "make_token",
    "parse_formatted",
    "parse_html",
    "parse_markdown_v2",
    "utf16_len",
]
