"""Joining a company by an invitation link (``/start inv_<code>``, made by the owner in ``/ksef``)."""

from __future__ import annotations

from telegram import Update

from bot.chat.common import Context, error_text, ids, language, send
from bot.i18n import t
from bot.services.errors import ServiceError


async def accept_invitation(update: Update, context: Context, payload: str) -> None:
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    try:
        joined = await context.services.members.accept(user_id, chat_id, payload)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    await send(context, chat_id, t(lang, "joined", nip=joined.nip))
