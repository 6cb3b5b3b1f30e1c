"""``/wystaw``: issuing a sales invoice by chat: the command, the confirmation (Confirm / Offline on the
preview) and delivery of the PDF, QR codes and XML. The dialogue before the confirmation (buyer, lines,
preview and its options) is :mod:`bot.chat.issuing_dialog`.

Documents go straight through PTB (``send_document``/``send_photo``) for now; the issuing job
(``bot.chat.jobs.issuing_tick``) reports what finished later (after a restart, an offline upload, a deadline).
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import issuing_dialog as dialog
from bot.chat.common import Context, active_company, ids, send
from bot.chat.common import language as language_for
from bot.chat.issuing_dialog import FLOW, Issue, error_message
from bot.chat.issuing_preview import needs_split_answer
from bot.i18n import esc, fmt_date, t
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.issuing import InvoiceState, IssuedView, Notice
from bot.services.issuing.records import ONLINE
from ksef.system_warnings import XML_DISCOURAGED_CHARACTERS

log = logging.getLogger(__name__)

__all__ = ["FLOW", "Issue", "command", "confirm", "deliver", "error_message", "notify", "on_callback",
           "on_text"]

MODE_NAMES = {"offline24": "offline24", "offline": "offline (niedostępność KSeF)", "awaryjny": "awaryjnym"}


async def command(update: Update, context: Context) -> None:
    """/wystaw [buyer] [line]: the fast path when the line is given, otherwise the questions."""
    assert update.message is not None
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    svc = context.services
    company = await active_company(context, user_id, chat_id, lang, "err.no_company")
    if company is None:
        return
    try:
        profile = await svc.issuing.profile(company.id)
    except ServiceError as exc:
        await send(context, chat_id, t(lang, "iv.no_profile") if exc.code == "no_profile"
                   else error_message(lang, exc))
        return
    parts = (update.message.text or "").split(maxsplit=1)
    args = parts[1] if len(parts) > 1 else ""
    await dialog.start(context, chat_id, user_id, lang, company.id, profile, args)


async def on_text(update: Update, context: Context, state: Dialog, lang: str) -> None:
    """A typed answer in the issuing dialogue (:mod:`bot.chat.issuing_dialog`)."""
    await dialog.on_text(update, context, state, lang)


# ----------------------------------------------------------------------------------------------- buttons

async def on_callback(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """``iv:ok|off:<version>`` on the preview (the version it showed), ``iv:again:<id>`` and ``iv:upo:<id>``
    on an issued invoice; every other ``iv:`` button belongs to the dialogue before the confirmation."""
    user_id, chat_id = ids(update)
    action = parts[1]
    if action == "again" and len(parts) > 2:
        await _issue_again(context, chat_id, user_id, lang, int(parts[2]))
        return
    if action == "upo" and len(parts) > 2:
        await _send_upo(context, chat_id, user_id, lang, int(parts[2]))
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
    await confirm(context, chat_id, user_id, lang, issue, offline=action == "off", version=preview.version)


async def confirm(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, *,
                  offline: bool, version: str | None = None) -> None:
    """Store (number + exact XML) first, then leave the dialogue, then send and deliver.

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
        await send(context, chat_id, t(lang, "iv.sending", number=esc(view.number)))
        view = await svc.issuing.issue(view.id, offline=offline)
        await deliver(context, view, chosen_offline=offline)


# ----------------------------------------------------------------------------------------------- delivery

def _issued_keyboard(lang: str, view: IssuedView) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(t(lang, "iv.btn.again"), callback_data=f"iv:again:{view.id}")]
    if view.ksef_number:
        row.insert(0, InlineKeyboardButton(t(lang, "iv.btn.upo"), callback_data=f"iv:upo:{view.id}"))
    return InlineKeyboardMarkup([row])


async def deliver(context: Context, view: IssuedView, *, chosen_offline: bool = False) -> None:
    """Tell the user where the invoice is and send the printout when there is one to give."""
    lang, chat_id = view.language, view.chat_id
    svc = context.services
    number = esc(view.number)
    if view.state is InvoiceState.ACCEPTED:
        key = "iv.duplicate" if view.status_code == 440 else "iv.accepted"
        # KSeF accepted it but warned of characters it will refuse in future: said with the result.
        warned = "\n\n" + t(lang, "ksef.warning.xml_002") \
            if XML_DISCOURAGED_CHARACTERS in view.system_warnings else ""
        if view.mode != ONLINE:
            await send(context, chat_id, t(lang, "iv.offline_accepted", number=number,
                                           ksef_number=esc(view.ksef_number)) + warned,
                       _issued_keyboard(lang, view))
        else:
            text = t(lang, key, number=number, ksef_number=esc(view.ksef_number))
            await send(context, chat_id, text + warned)
            await _send_printout(context, view)
    elif view.state is InvoiceState.OFFLINE:
        deadline = fmt_date(lang, view.deadline) if view.deadline else "—"
        key = "iv.offline_chosen" if chosen_offline else "iv.offline"
        mode = esc(MODE_NAMES.get(view.mode, view.mode))
        await send(context, chat_id, t(lang, key, number=number, mode=mode, deadline=deadline))
        await _send_printout(context, view)
    elif view.state is InvoiceState.KEPT:
        await send(context, chat_id, t(lang, "iv.total_failure", number=number))
        await _send_printout(context, view)
    elif view.state is InvoiceState.WAITING:
        await send(context, chat_id, t(lang, "iv.waiting_no_cert", number=number))
    elif view.state is InvoiceState.REJECTED:
        await send(context, chat_id, t(lang, "iv.rejected", number=number, code=view.status_code or "—",
                                       reason=esc(view.status_text or "—")))
    elif view.state is InvoiceState.PROCESSING:
        await send(context, chat_id, t(lang, "iv.processing", number=number))
    elif view.state in (InvoiceState.PREPARED, InvoiceState.SENDING):
        await send(context, chat_id, t(lang, "iv.retry", number=number, reason=esc(view.status_text or "—")))
    else:
        return
    await svc.issuing.mark_notified(view.id, view.state)


async def _send_printout(context: Context, view: IssuedView) -> None:
    lang, chat_id = view.language, view.chat_id
    printout = await context.services.issuing.printout(view.id)
    await context.bot.send_document(chat_id, printout.pdf, filename=f"{printout.file_stem}.pdf")
    if printout.kod1_png is not None and printout.kod1_url is not None:
        await context.bot.send_photo(chat_id, printout.kod1_png,
                                     caption=t(lang, "iv.kod1_caption", url=esc(printout.kod1_url)))
    if printout.kod2_png is not None and printout.kod2_url is not None:
        await context.bot.send_photo(chat_id, printout.kod2_png,
                                     caption=t(lang, "iv.kod2_caption", url=esc(printout.kod2_url)))
    await context.bot.send_document(chat_id, printout.xml, filename=f"{printout.file_stem}.xml",
                                    reply_markup=_issued_keyboard(lang, view))


async def _issue_again(context: Context, chat_id: int, user_id: int, lang: str, invoice_id: int) -> None:
    svc = context.services
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


# ------------------------------------------------------------------------------------------------- news

async def notify(context: Context, notice: Notice) -> None:
    """Tell the user what the background work found about one invoice."""
    view = notice.invoice
    if notice.kind == "deadline":
        deadline = fmt_date(view.language, view.deadline) if view.deadline else "—"
        await send(context, view.chat_id, t(view.language, "iv.deadline", number=esc(view.number),
                                            deadline=deadline))
        return
    await deliver(context, view)

