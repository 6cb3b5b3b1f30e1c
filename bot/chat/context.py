"""The typed PTB context: handlers and jobs reach the services and the runtime as ``context.services``
and ``context.runtime``; :class:`BotApplication` is the concrete Application type of the bot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.chat.runtime import ChatRuntime
from bot.services import Services


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context of every handler and job of :class:`BotApplication`."""

    def __init__(self, application: BotApplication, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id, user_id)
        self.runtime: ChatRuntime = application.runtime

    @property
    def services(self) -> Services:
        return self.runtime.services


class BotApplication(Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any],
                                 JobQueue[BotContext]]):
    """The bot's Application: it builds its :class:`ChatRuntime` once its Bot exists."""

    def __init__(self, *, make_runtime: Callable[[ExtBot[None]], ChatRuntime], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runtime = make_runtime(self.bot)
