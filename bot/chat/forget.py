"""``/forget``: after a confirmation, delete every row about the user."""

from __future__ import annotations

from telegram import Update

from bot.chat import keyboards
from bot.chat.callbacks import Pressed, Spec
from bot.chat.common import Context, ids, language, send
from bot.i18n import t


async def command(update: Update, context: Context) -> None:
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    await send(context, chat_id, t(lang, "forget.confirm"),
               keyboards.confirm(lang, "fg:yes", "fg:no", yes_key="btn.forget_yes"))


ACTIONS: dict[str, Spec] = {"yes": (), "no": ()}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    user_id, chat_id = ids(update)
    if pressed.action != "yes":
        await send(context, chat_id, t(lang, "kept"))
        return
    svc = context.services
    await svc.dialogs.clear(chat_id)
    await svc.companies.forget(user_id)
    await send(context, chat_id, t(lang, "forget.done"))
