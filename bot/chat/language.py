"""``/language``: Polish (default) or English."""

from __future__ import annotations

from telegram import Update

from bot.chat import actions, keyboards
from bot.chat.callbacks import Pressed, Spec
from bot.chat.common import Context, ids, send
from bot.i18n import CATALOGS, t


async def command(update: Update, context: Context) -> None:
    _, chat_id = ids(update)
    await send(context, chat_id, t("pl", "language.choose"), keyboards.languages())


ACTIONS: dict[str, Spec] = {code: () for code in CATALOGS}  # ``lang:<code>``: only languages we speak


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    user_id, chat_id = ids(update)
    chosen = pressed.action
    await context.services.companies.set_language(user_id, chat_id, chosen)
    if await actions.connected(context, user_id):
        await actions.show_keyboard_in(context, chat_id, chosen)
        return
    await send(context, chat_id, t(chosen, "language.set"))
