"""Local stand-ins for Telegram: a Bot API server (``botapi``) for tests and the sandbox web chat."""

from bot.sandbox.botapi import (
    ApiCall,
    BotApiError,
    BotApiServer,
    Button,
    CallbackQueryRecord,
    ChatMessage,
    FakeBotApi,
    FakeUser,
    FloodControl,
    FloodLimits,
    StoredFile,
    UploadedFile,
    make_token,
)

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
