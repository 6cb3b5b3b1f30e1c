"""Local stand-ins for Telegram: a Bot API server (``botapi``) for tests and the sandbox web chat."""

from bot.sandbox.botapi import (
    ApiCall,
    BotApiError,
    Button,
    CallbackQueryRecord,
    ChatMessage,
    FakeBotApi,
    FakeUser,
    StoredFile,
    UploadedFile,
    make_token,
)
from bot.sandbox.botapi_limits import FloodControl, FloodLimits
from bot.sandbox.botapi_server import BotApiServer

__all__ = [
    "ApiCall",
    "BotApiError",
    "BotApiServer",
    "Button",
    "CallbackQueryRecord",
    "ChatMessage",
    "FakeBotApi",
    "FakeUser",
    "FloodControl",
    "FloodLimits",
    "StoredFile",
    "UploadedFile",
    "make_token",
]
