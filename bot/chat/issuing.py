"""``/wystaw``: issuing a sales invoice by chat (fast path in one message, or step by step), the preview
with Confirm / Offline / Cancel, and delivery of the PDF, QR codes and XML.

Documents go straight through PTB (``send_document``/``send_photo``) for now; the issuing job
(``bot.chat.jobs.issuing_tick``) reports what finished later (after a restart, an offline upload, a deadline).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat.common import Context, active_company, error_text, ids, send
from bot.chat.common import language as language_for
from bot.i18n import esc, fmt_date, fmt_money, t
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, InvoiceState, IssuedView, Notice, Preview, new_draft
from bot.services.issuing.parsing import ONLY_NIP, check_buyer_nip, parse_fast_path, parse_line
from bot.services.issuing.records import ONLINE
from bot.services.seller_profile import ProfileView, check_address
from ksef.errors import InvoiceDataError
from ksef.fa3 import Buyer

log = logging.getLogger(__name__)

FLOW = "issue"
PREVIEW_LINES = 15
MODE_NAMES = {"offline24": "offline24", "offline": "offline (niedostępność KSeF)", "awaryjny": "awaryjnym"}


@dataclass(frozen=True)
class Issue:
    """The issuing dialogue's data: the company and the draft so far (stored in the chat's dialogue)."""

    company_id: int
    draft: Draft

    @classmethod
    def of(cls, dialog: Dialog) -> Issue:
        return cls(int(dialog.data["company_id"]), Draft.from_json(dialog.data["draft"]))

    def with_draft(self, draft: Draft) -> Issue:
        return Issue(self.company_id, draft)

    def data(self) -> dict[str, Any]:
        return {"company_id": self.company_id, "draft": self.draft.to_json()}


def error_message(lang: str, exc: ServiceError) -> str:
    """A refused input explained: the library's Polish text when there is one, else our catalog's."""
    if exc.user_message:
        return esc(exc.user_message)
    return error_text(lang, exc)


async def _save(context: Context, chat_id: int, user_id: int, step: str, issue: Issue) -> None:
    await context.services.dialogs.set(chat_id, user_id, Dialog(FLOW, step, issue.data()))


# ----------------------------------------------------------------------------------------------- starting

async def command(update: Update, context: Context) -> None:
    """/wystaw [NIP] [pozycja]: the fast path when the line is given, otherwise the questions."""
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
    args = parts[1].strip() if len(parts) > 1 else ""
    issue = Issue(company.id, new_draft(profile))
    if not args:
        await _ask_buyer(context, chat_id, user_id, lang, issue)
        return
    try:
        if ONLY_NIP.fullmatch(args):  # only the buyer: the lines are asked next
            await _buyer_by_nip(context, chat_id, user_id, lang, issue, check_buyer_nip(args))
            return
        nip, line = parse_fast_path(args, profile.default_rate)
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))
        return
    issue = issue.with_draft(issue.draft.with_line(line))
    if nip is None:
        await _ask_buyer(context, chat_id, user_id, lang, issue)
        return
    await _buyer_by_nip(context, chat_id, user_id, lang, issue, nip)


async def _ask_buyer(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue) -> None:
    svc = context.services
    await _save(context, chat_id, user_id, "buyer", issue)
    text = t(lang, "iv.ask_buyer")
    known = await svc.contractors.recent(issue.company_id)
    if known:
        text += "\n\n" + t(lang, "iv.known_buyers", buyers="\n".join(
            f"<code>{c.nip}</code> — {esc(c.name)}" for c in known))
    await send(context, chat_id, text, cancel_keyboard(lang))


async def _buyer_by_nip(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue,
                        nip: str) -> None:
    known = await context.services.contractors.find(issue.company_id, nip)
    if known is None:
        issue = issue.with_draft(issue.draft.with_buyer(DraftBuyer(nip=nip)))
        await _save(context, chat_id, user_id, "buyer_name", issue)
        await send(context, chat_id, t(lang, "iv.ask_buyer_name"), cancel_keyboard(lang))
        return
    buyer = DraftBuyer(nip=known.nip, name=known.name, address=tuple(known.address))
    await _after_buyer(context, chat_id, user_id, lang, issue.with_draft(issue.draft.with_buyer(buyer)))


async def _after_buyer(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue) -> None:
    if issue.draft.lines:
        await show_preview(context, chat_id, user_id, lang, issue)
        return
    await _ask_line(context, chat_id, user_id, lang, issue)


async def _ask_line(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue) -> None:
    profile = await context.services.issuing.profile(issue.company_id)
    await _save(context, chat_id, user_id, "line", issue)
    await send(context, chat_id, t(lang, "iv.ask_line", rate=esc(profile.default_rate)),
               cancel_keyboard(lang))


# ------------------------------------------------------------------------------------------ typed answers

async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    assert update.message is not None and update.message.text is not None
    user_id, chat_id = ids(update)
    text = update.message.text.strip()
    issue = Issue.of(dialog)
    draft = issue.draft
    try:
        if dialog.step == "buyer":
            if text in ("-", "konsument", "brak"):
                await _save(context, chat_id, user_id, "buyer_name",
                            issue.with_draft(draft.with_buyer(DraftBuyer(nip=None))))
                await send(context, chat_id, t(lang, "iv.ask_buyer_name"), cancel_keyboard(lang))
                return
            await _buyer_by_nip(context, chat_id, user_id, lang, issue, check_buyer_nip(text))
        elif dialog.step == "buyer_name":
            buyer = DraftBuyer(nip=draft.buyer.nip if draft.buyer else None, name=_check_buyer_name(text))
            await _save(context, chat_id, user_id, "buyer_address", issue.with_draft(draft.with_buyer(buyer)))
            await send(context, chat_id, t(lang, "iv.ask_buyer_address"), cancel_keyboard(lang))
        elif dialog.step == "buyer_address":
            current = draft.buyer or DraftBuyer()
            address = () if text == "-" else tuple(check_address(text))
            buyer = DraftBuyer(nip=current.nip, name=current.name, address=address)
            await _after_buyer(context, chat_id, user_id, lang, issue.with_draft(draft.with_buyer(buyer)))
        elif dialog.step == "line":
            profile = await context.services.issuing.profile(issue.company_id)
            line = parse_line(text, profile.default_rate)
            await show_preview(context, chat_id, user_id, lang, issue.with_draft(draft.with_line(line)))
        else:
            await send(context, chat_id, t(lang, "use_buttons"))
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))


def _check_buyer_name(text: str) -> str:
    try:
        return Buyer(name=text).name
    except InvoiceDataError as exc:
        raise ServiceError("invoice_data", user_message=exc.message) from None


# ----------------------------------------------------------------------------------------------- preview

def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cancel_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")]])


def preview_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t(lang, "iv.btn.confirm"), callback_data="iv:ok")],
        [InlineKeyboardButton(t(lang, "iv.btn.add"), callback_data="iv:add"),
         InlineKeyboardButton(t(lang, "iv.btn.edit"), callback_data="iv:edit")],
        [InlineKeyboardButton(t(lang, "iv.btn.offline"), callback_data="iv:off"),
         InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")],
    ])


def preview_text(lang: str, profile: ProfileView, preview: Preview) -> str:
    invoice = preview.invoice
    buyer = invoice.buyer
    buyer_id = f" (NIP {buyer.nip})" if buyer.nip else f" — {t(lang, 'iv.consumer')}"
    buyer_text = esc(_short(buyer.name, 200)) + buyer_id
    if buyer.address:
        buyer_text += ", " + esc(_short(", ".join(buyer.address), 300))
    # A Telegram message holds 4096 characters: long names are shortened, many lines summarised.
    shown = invoice.lines[:PREVIEW_LINES]
    lines = "\n".join(t(lang, "iv.preview_line", no=i, name=esc(_short(line.name)),
                        qty=esc(f"{line.quantity:f}"), unit=esc(_short(line.unit or "", 20)),
                        price=fmt_money(lang, line.unit_price), rate=esc(line.vat_rate.label))
                      for i, line in enumerate(shown, start=1))
    if len(invoice.lines) > len(shown):
        lines += "\n" + t(lang, "iv.more_lines", count=len(invoice.lines) - len(shown))
    rates = "\n".join(t(lang, "iv.preview_rate", label=esc(label), net=fmt_money(lang, net),
                        vat=fmt_money(lang, vat), gross=fmt_money(lang, gross))
                      for label, net, vat, gross in preview.rates)
    payment = ""
    if invoice.payment is not None and invoice.payment.due_date is not None:
        method = invoice.payment.method.label if invoice.payment.method else "—"
        due = fmt_date(lang, invoice.payment.due_date)
        payment = t(lang, "iv.preview_payment", method=esc(method), due=due)
    return t(lang, "iv.preview", seller=esc(profile.name), seller_nip=profile.nip, buyer=buyer_text,
             lines=lines, rates=rates, net=fmt_money(lang, preview.net), vat=fmt_money(lang, preview.vat),
             gross=fmt_money(lang, preview.gross), payment=payment)


async def show_preview(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue) -> None:
    """Validate the whole draft; a refused last line is dropped again so nothing half-made remains."""
    svc = context.services
    try:
        preview = await svc.issuing.preview(issue.company_id, issue.draft)
    except ServiceError as exc:
        await _save(context, chat_id, user_id, "line", issue.with_draft(issue.draft.without_last_line()))
        await send(context, chat_id, error_message(lang, exc) + "\n\n" + t(lang, "iv.ask_line", rate=esc(
            (await svc.issuing.profile(issue.company_id)).default_rate)), cancel_keyboard(lang))
        return
    await _save(context, chat_id, user_id, "preview", issue)
    profile = await svc.issuing.profile(issue.company_id)
    await send(context, chat_id, preview_text(lang, profile, preview), preview_keyboard(lang))


# ----------------------------------------------------------------------------------------------- buttons

async def on_callback(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """``iv:ok|off|add|edit|no`` on the preview; ``iv:again:<id>`` and ``iv:upo:<id>`` on an issued one."""
    user_id, chat_id = ids(update)
    svc = context.services
    action = parts[1]
    if action == "again" and len(parts) > 2:
        await _issue_again(context, chat_id, user_id, lang, int(parts[2]))
        return
    if action == "upo" and len(parts) > 2:
        await _send_upo(context, chat_id, user_id, lang, int(parts[2]))
        return
    dialog = await svc.dialogs.get(chat_id)
    if dialog is None or dialog.flow != FLOW:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if action == "no":
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "iv.cancelled"))
        return
    if dialog.step != "preview":
        await send(context, chat_id, t(lang, "stale_button"))
        return
    issue = Issue.of(dialog)
    if action == "add":
        await _ask_line(context, chat_id, user_id, lang, issue)
    elif action == "edit":
        await _ask_line(context, chat_id, user_id, lang, issue.with_draft(issue.draft.without_lines()))
    elif action in ("ok", "off"):
        await confirm(context, chat_id, user_id, lang, issue, offline=action == "off")


async def confirm(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, *,
                  offline: bool) -> None:
    """Store (number + exact XML) first, then leave the dialogue, then send and deliver."""
    svc = context.services
    # The dialogue goes first: a crash after storing must not leave a Confirm that would issue twice.
    await svc.dialogs.clear(chat_id)
    try:
        view = await svc.issuing.prepare(user_id, chat_id, issue.company_id, issue.draft, lang)
    except ServiceError as exc:
        await _save(context, chat_id, user_id, "preview", issue)
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
        if view.mode != ONLINE:
            await send(context, chat_id, t(lang, "iv.offline_accepted", number=number,
                                           ksef_number=esc(view.ksef_number)), _issued_keyboard(lang, view))
        else:
            await send(context, chat_id, t(lang, key, number=number, ksef_number=esc(view.ksef_number)))
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
    await send(context, chat_id, t(lang, "iv.again", number=esc(view.number)))
    await show_preview(context, chat_id, user_id, lang, Issue(view.company_id, draft))


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

