"""``/wystaw``: issuing a sales invoice by chat: the command, the confirmation (Confirm / Offline on the
preview) and the buttons of an issued invoice (UPO, again, the codes' links). The dialogue before the
confirmation (buyer, lines, preview and its options) is :mod:`bot.chat.issuing_dialog`.

On Confirm the preview message itself changes to "sending…"; the result and the documents go through the
outbox at INTERACTIVE priority, dispatched at once (``bot.chat.issuing_news`` renders them). The issuing
job (``bot.chat.jobs.issuing_tick``) queues what finishes later (after a restart, an offline upload).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.chat import issuing_dialog as dialog
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, active_company, ids, send
from bot.chat.common import language as language_for
from bot.chat.issuing_dialog import FLOW, Issue, error_message
from bot.chat.issuing_preview import needs_split_answer
from bot.i18n import esc, t
from bot.pacing import Priority
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError

log = logging.getLogger(__name__)

__all__ = ["FLOW", "Issue", "begin", "command", "confirm", "error_message", "on_callback", "on_text"]


async def command(update: Update, context: Context) -> None:
    """/wystaw [buyer] [line]: the fast path when the line is given, otherwise the questions."""
    assert update.message is not None
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    parts = (update.message.text or "").split(maxsplit=1)
    await begin(context, user_id, chat_id, lang, parts[1] if len(parts) > 1 else "")


async def begin(context: Context, user_id: int, chat_id: int, lang: str, args: str = "") -> None:
    """Start issuing for the active company (``args``: the fast path's buyer and line, if typed); also
    what the menu's "Issue" button does."""
    company = await active_company(context, user_id, chat_id, lang, "err.no_company")
    if company is None:
        return
    try:
        profile = await context.services.issuing.profile(company.id)
    except ServiceError as exc:
        await send(context, chat_id, t(lang, "iv.no_profile") if exc.code == "no_profile"
                   else error_message(lang, exc))
        return
    await dialog.start(context, chat_id, user_id, lang, company.id, profile, args)


async def on_text(update: Update, context: Context, state: Dialog, lang: str) -> None:
    """A typed answer in the issuing dialogue (:mod:`bot.chat.issuing_dialog`)."""
    await dialog.on_text(update, context, state, lang)


async def reask(context: Context, chat_id: int, user_id: int, lang: str, state: Dialog) -> None:
    """Ask the issuing dialogue's current question again (:mod:`bot.chat.issuing_dialog`)."""
    await dialog.reask(context, chat_id, user_id, lang, state)


# ----------------------------------------------------------------------------------------------- buttons

# Every ``iv:`` button and its fields (the preview's version is a short digest, see ``preview_version``).
_VERSIONED = (Field.CODE,)
ACTIONS: dict[str, Spec] = {
    "no": (), "pln": (), "bu": (Field.WORD,),
    "ok": (Field.OPTIONAL_CODE,), "off": (Field.OPTIONAL_CODE,),  # older previews carried no version
    **{action: _VERSIONED for action in ("add", "ed", "mo")},
    "ln": (Field.ID, *_VERSIONED), "rt": (Field.ID, *_VERSIONED), "lf": (Field.ID, Field.WORD, *_VERSIONED),
    **{action: (Field.CODE, *_VERSIONED) for action in ("o", "pm", "pd", "cu", "sp")},
    # On an issued invoice's result (the outbox row's id makes the keyboard the delivery probe's marker).
    "again": (Field.ID, Field.OPTIONAL_ID), "upo": (Field.ID,), "link": (Field.ID,),
    "by": (Field.ID,),  # a saved buyer (contractor row) at the buyer question
}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``iv:ok|off:<version>`` on the preview (the version it showed), ``iv:again:<id>[:<row>]``,
    ``iv:upo:<id>`` and ``iv:link:<id>`` on an issued invoice; every other ``iv:`` button belongs to the
    dialogue before the confirmation."""
    user_id, chat_id = ids(update)
    action = pressed.action
    parts = [pressed.prefix, action, *pressed.args]  # checked by ``ACTIONS``; the dialogue reads them so
    if action == "again":
        await issue_again(context, chat_id, user_id, lang, pressed.id)
        return
    if action == "upo":
        await _send_upo(context, chat_id, user_id, lang, pressed.id)
        return
    if action == "link":
        await _send_links(context, chat_id, user_id, lang, pressed.id)
        return
    if action not in ("ok", "off"):
        await dialog.on_callback(update, context, lang, parts)
        return
    # A Confirm issues exactly the version its preview showed; an older one is answered with the current.
    found = await dialog.current(context, chat_id, user_id, lang, parts[2] if len(parts) > 2 else "")
    if found is None:
        return
    issue, preview = found
    assert preview is not None
    if needs_split_answer(issue.draft, preview):  # asked in the preview: answered before anything is issued
        await dialog.show_preview(context, chat_id, user_id, lang, issue)
        return
    message = update.callback_query.message if update.callback_query else None
    await confirm(context, chat_id, user_id, lang, issue, offline=action == "off", version=preview.version,
                  preview_id=message.message_id if message is not None else None)


async def confirm(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, *,
                  offline: bool, version: str | None = None, preview_id: int | None = None) -> None:
    """Store (number + exact XML) first, then leave the dialogue, then send; the preview message turns into
    "sending…" and the result comes through the outbox, dispatched at once.

    ``version``: the preview's; when the invoice would now say anything else, nothing is stored and
    the current preview is shown instead."""
    svc = context.services
    # The dialogue goes first: a crash after storing must not leave a Confirm that would issue twice.
    await svc.dialogs.clear(chat_id)
    try:
        view = await svc.issuing.prepare(user_id, chat_id, issue.company_id, issue.draft, lang,
                                         version=version)
    except ServiceError as exc:
        if exc.code in ("preview_stale", "rate_stale"):
            await dialog.show_stale(context, chat_id, user_id, lang, issue)
            return
        await dialog.save(context, chat_id, user_id, "preview", issue)
        await send(context, chat_id, error_message(lang, exc))
        return
    with svc.issuing.handled_in_chat(view.id):
        progress = t(lang, "iv.sending_offline" if offline else "iv.sending", number=esc(view.number))
        await _show_progress(context, chat_id, preview_id, progress)
        view = await svc.issuing.issue(view.id, offline=offline)
        rows = await svc.issuing.announce(view.id, chosen_offline=offline, priority=Priority.INTERACTIVE)
    await context.runtime.outbox.dispatch_now(rows)


async def _show_progress(context: Context, chat_id: int, preview_id: int | None, text: str) -> None:
    """The preview message becomes the progress note (its buttons go): one message fewer in the chat."""
    if preview_id is not None:
        try:
            await context.bot.edit_message_text(text, chat_id, preview_id)
            return
        except TelegramError as exc:  # e.g. the preview was deleted: say it in a new message
            log.info("preview not edited: %s", type(exc).__name__)
    await send(context, chat_id, text)


async def issue_again(context: Context, chat_id: int, user_id: int, lang: str, invoice_id: int) -> None:
    """A new draft from an issued invoice (today's dates), through the normal preview."""
    svc = context.services
    if await svc.corrections.spec_of(invoice_id) is not None:  # a correction is not issued again
        await send(context, chat_id, t(lang, "kr.again_correction"))
        return
    try:
        view = await svc.issuing.get_for_user(user_id, invoice_id)
        draft = await svc.issuing.draft_of(user_id, invoice_id)
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))
        return
    profile = await svc.issuing.profile(view.company_id)
    await send(context, chat_id, t(lang, "iv.again", number=esc(view.number)))
    again = Issue(view.company_id, draft.again(profile.payment_days))
    await dialog.proceed(context, chat_id, user_id, lang, again)


async def _send_upo(context: Context, chat_id: int, user_id: int, lang: str, invoice_id: int) -> None:
    svc = context.services
    try:
        view = await svc.issuing.get_for_user(user_id, invoice_id)
        upo = await svc.issuing.upo(user_id, invoice_id)
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))
        return
    stem = view.number.replace("/", "_")
    await context.bot.send_document(chat_id, upo, filename=f"UPO_{stem}.xml",
                                    caption=t(lang, "iv.upo_caption", number=esc(view.number)))


async def _send_links(context: Context, chat_id: int, user_id: int, lang: str, invoice_id: int) -> None:
    """The links the invoice's QR codes carry (long: shown only on request)."""
    svc = context.services
    try:
        view = await svc.issuing.get_for_user(user_id, invoice_id)
        codes = await svc.issuing.codes(invoice_id)
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))
        return
    if codes is None:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    lines = [t(lang, "iv.links", number=esc(view.number)),
             t(lang, "iv.kod1_caption", url=esc(codes.kod1_url))]
    if codes.kod2_url:
        lines.append(t(lang, "iv.kod2_caption", url=esc(codes.kod2_url)))
    await send(context, chat_id, "\n\n".join(lines))
