"""Which function answers which Bot API method (``@method("sendMessage")``).

Handlers are synchronous so each runs entirely under the state lock: a test that sees a bot message
also sees the ApiCall that made it. ``getUpdates`` (long polling) is the one async method and is
served by :mod:`bot.sandbox.botapi.updates` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.botapi.records import UploadedFile

if TYPE_CHECKING:
    from bot.sandbox.botapi.fake import FakeBotApi

Handler = Callable[["FakeBotApi", dict[str, Any], dict[str, UploadedFile]], Any]
HANDLERS: dict[str, Handler] = {}  # lower-cased method name -> handler


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more method names."""
    def register(fn: Handler) -> Handler:
        for name in names:
            HANDLERS[name.lower()] = fn  # Telegram matches method names case-insensitively
        return fn
    return register
