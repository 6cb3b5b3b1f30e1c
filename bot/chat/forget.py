"""``/forget``: after a confirmation, delete every row about the user."""

from __future__ import annotations

from telegram import Update

from bot.chat import keyboards
from bot.chat.callbacks import Pressed, Spec
from bot.chat.common import Context, ids, language, send
from bot.chat.companies import removal_items, unfinished_text
from bot.i18n import t
from bot.i18n.limits import fit
from bot.services.companies import UnfinishedInvoices


async def command(update: Update, context: Context) -> None:
    """Ask once, naming what goes; refused while an owned company's invoices are on their way to KSeF."""
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    plan = await context.services.companies.forget_plan(user_id)
    blocked = [removal for removal in plan if removal.unfinished]
    if blocked:
        await send(context, chat_id, unfinished_text(lang, blocked, "forget.unfinished"))
        return
    companies = [t(lang, "rm.company", nip=removal.nip, items=removal_items(lang, removal))
                 for removal in plan]
    text = fit([t(lang, "forget.confirm")], companies, more=lambda count: t(lang, "more_items", count=count))
    await send(context, chat_id, text, keyboards.confirm(lang, "fg:yes", "fg:no", yes_key="btn.forget_yes"))


ACTIONS: dict[str, Spec] = {"yes": (), "no": ()}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    user_id, chat_id = ids(update)
    if pressed.action != "yes":
        await send(context, chat_id, t(lang, "kept"))
        return
    svc = context.services
    try:
        await svc.companies.forget(user_id)
    except UnfinishedInvoices as exc:  # an invoice began its way to KSeF since the confirmation was shown
        await send(context, chat_id, unfinished_text(lang, exc.removals, "forget.unfinished"))
        return
    await svc.dialogs.clear(chat_id)
    await send(context, chat_id, t(lang, "forget.done"))
