"""Moved to :mod:`bot.sandbox.botapi.server`; kept so imports written before the split still work."""

from bot.sandbox.botapi.server import BotApiServer

__all__ = ["BotApiServer"]
