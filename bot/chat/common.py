"""Helpers every handler uses: the user's language, the active company, sending, deleting, error texts."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.chat.context import BotContext
from bot.i18n import esc, t
from bot.i18n.limits import shorten
from bot.services.companies import ActiveCompany
from bot.services.errors import ServiceError

log = logging.getLogger(__name__)

Context = BotContext  # what every handler and job receives


def ids(update: Update) -> tuple[int, int]:
    """(user id, chat id) of an update."""
    assert update.effective_user is not None and update.effective_chat is not None
    return update.effective_user.id, update.effective_chat.id


async def language(context: Context, user_id: int) -> str:
    """The language the user chose (Polish by default)."""
    return await context.services.companies.language(user_id)


async def send(context: Context, chat_id: int, text: str,
               markup: InlineKeyboardMarkup | None = None) -> None:
    """Send an HTML text; one longer than Telegram takes is cut at a line (list renderers use
    ``bot.i18n.limits.fit`` to say how many items were left out)."""
    await context.bot.send_message(chat_id, shorten(text), reply_markup=markup)


async def delete_message(context: Context, chat_id: int, message_id: int) -> bool:
    """Delete a message holding a secret; False when Telegram refused (the user is told to do it)."""
    try:
        return bool(await context.bot.delete_message(chat_id, message_id))
    except TelegramError as exc:
        log.warning("could not delete a secret message: %s", type(exc).__name__)
        return False


async def active_company(context: Context, user_id: int, chat_id: int, lang: str,
                         missing: str) -> ActiveCompany | None:
    """The company the user works on; None after telling the user why not (``missing``: the text for
    "no company yet"; several companies and none chosen get the same answer everywhere)."""
    try:
        return await context.services.companies.require_active_company(user_id)
    except ServiceError as exc:
        await send(context, chat_id, t(lang, missing) if exc.code == "no_company" else error_text(lang, exc))
        return None


def error_text(lang: str, error: ServiceError) -> str:
    """The message explaining a refused input: the ``ksef`` library's own text when it gave one."""
    if error.user_message and lang == "pl":
        return esc(error.user_message)
    params: dict[str, Any] = {k: esc(v) for k, v in error.params.items()}
    if error.code == "token_missing_rights":
        missing = error.params.get("missing") or []
        params["missing_text"] = (": " + ", ".join(t(lang, f"right.{m}") for m in missing)) if missing else ""
    try:
        return t(lang, f"err.{error.code}", **params)
    except KeyError:
        return t(lang, "error_generic")


def display_env(lang: str, environment: str) -> str:
    """The KSeF environment named for a user ("produkcja", "test", "demo"); any other address (the
    simulator, a sandbox) is "symulator": a host and port mean nothing to a user."""
    return t(lang, f"env.{environment}" if environment in ("test", "demo", "prod") else "env.other")
