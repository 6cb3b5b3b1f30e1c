"""Purchase invoices in the chat: a notification's buttons (details, XML, PDF), ``/faktury`` and the
notification settings (``/powiadomienia``, ``/cisza``). The notifications: ``bot.chat.notifications``."""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot.chat import polling
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, active_company, ids, send
from bot.chat.common import language as language_for
from bot.chat.notifications import money, payable
from bot.i18n import clip, esc, t
from bot.i18n.limits import fit
from bot.services.errors import AccessDenied
from bot.services.inbox import InvoiceView

log = logging.getLogger(__name__)

PAGE = 10


# --- buttons -------------------------------------------------------------------------------------

ACTIONS: dict[str, Spec] = {"d": (Field.ID, Field.OPTIONAL_ID), "x": (Field.ID,), "p": (Field.ID,),
                            "l": (Field.ID, Field.OPTIONAL_ID), "c": (Field.ID,)}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``in:d:<invoice>[:<outbox>]`` details, ``in:x:<invoice>`` XML, ``in:p:<invoice>`` PDF,
    ``in:l:<offset>[:<outbox>]`` the list, ``in:c:<company>`` check KSeF now."""
    user_id, chat_id = ids(update)
    action = pressed.action
    if action == "l":
        await _list(context, user_id, chat_id, lang, pressed.id)
        return
    if action == "c":
        await polling.check_now(context, user_id, chat_id, lang, pressed.id)
        return
    svc = context.services
    try:
        invoice = await svc.inbox.invoice_for(user_id, pressed.id)
    except AccessDenied:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if action == "d":
        # A preview is served from what is stored: KSeF's download API is not for previews (MF's limits
        # document); the sync downloads the XML once, when it finds the invoice.
        xml_stored = await svc.inbox.invoice_xml(invoice.id)
        # Parsed off the event loop: a supplier's invoice may hold thousands of lines. "Zapłać" also for
        # an invoice stored without its XML: the card downloads it (what paying needs is in it).
        pay = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.py_pay"),
                                                          callback_data=f"py:c:{invoice.id}")]])
        await send(context, chat_id, await asyncio.to_thread(_details, lang, invoice, xml_stored),
                   pay if payable(invoice) or not invoice.has_xml else None)
        return
    try:
        xml = await svc.sync.fetch_xml(invoice.id)
    except Exception as exc:  # KSeF down, token revoked: say so, do not crash the handler
        log.info("invoice %s XML not available: %s", invoice.id, type(exc).__name__)
        await send(context, chat_id, t(lang, "in.unavailable"))
        return
    if action == "x":
        await context.bot.send_document(chat_id, InputFile(xml, filename=f"{invoice.ksef_number}.xml"))
    elif action == "p":
        from ksef.pdf import render_pdf

        try:  # a supplier's invoice may hold thousands of lines: rendered off the event loop
            pdf = await asyncio.to_thread(render_pdf, xml, env=invoice.environment,
                                          ksef_number=invoice.ksef_number)
        except Exception as exc:  # anyone can issue an invoice to this NIP: a hostile one gets an answer
            log.info("invoice %s: no PDF (%s)", invoice.id, type(exc).__name__)
            await send(context, chat_id, t(lang, "in.pdf_failed"))
            return
        await context.bot.send_document(chat_id, InputFile(pdf, filename=f"{invoice.ksef_number}.pdf"))


def _details(lang: str, invoice: InvoiceView, xml: bytes | None) -> str:
    """The invoice's lines and VAT totals from its stored XML, in one message (as many lines as fit,
    then how many more); without an XML (or one that does not parse) what is stored of it."""
    from ksef.fa3 import parse

    try:
        summary = parse(xml) if xml is not None else None
    except Exception as exc:  # a malformed invoice still gets an answer
        log.info("invoice %s XML not parsed for details: %s", invoice.id, type(exc).__name__)
        summary = None
    if summary is None:
        return t(lang, "poll.details_stored", number=esc(clip(invoice.invoice_number, 256)),
                 seller=esc(clip(invoice.seller_name or invoice.seller_nip, 300)),
                 amount=money(lang, invoice.gross, invoice.currency))
    head = [t(lang, "in.details", number=esc(clip(invoice.invoice_number, 256)))]
    lines = []
    for line in summary.lines:
        price = line.unit_net_price if line.unit_net_price is not None else line.unit_gross_price
        lines.append(t(lang, "in.line", no=esc(clip(line.number, 10)), name=esc(clip(line.name or "", 200)),
                       qty=esc(clip(line.quantity or "", 20)), unit=esc(clip(line.unit or "", 20)),
                       price=money(lang, str(price or 0), summary.currency),
                       gross=money(lang, str(line.gross if line.gross is not None else line.net or 0),
                                   summary.currency)))
    rates = [t(lang, "in.rate", label=esc(clip(rate.label, 30)),
               net=money(lang, str(rate.net), summary.currency),
               vat=money(lang, str(rate.vat), summary.currency),
               gross=money(lang, str(rate.gross), summary.currency)) for rate in summary.totals[:10]]
    return fit(head, lines, rates, more=lambda count: t(lang, "in.details_more", count=count))


# --- commands --------------------------------------------------------------------------------------

async def _list(context: Context, user_id: int, chat_id: int, lang: str, offset: int) -> None:
    active = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if active is None:
        return
    company_id, nip = active.id, active.nip
    try:
        rows, total = await context.services.inbox.recent(user_id, company_id, offset, PAGE)
    except AccessDenied:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    polled = await polling.polling_line(context, company_id, lang)
    check = [polling.check_button(lang, company_id)]
    if not rows:
        text = "\n\n".join([t(lang, "in.list_empty", nip=nip), polled, t(lang, "poll.hint")])
        await send(context, chat_id, text, InlineKeyboardMarkup([check]))
        return
    head = [t(lang, "in.list_header", nip=nip, first=offset + 1, last=offset + len(rows), total=total)]
    lines = [t(lang, "in.list_line", no=i, date=inv.issue_date.isoformat() if inv.issue_date else "",
               seller=esc(clip(inv.seller_name or inv.seller_nip, 80)),
               number=esc(clip(inv.invoice_number, 60)), amount=money(lang, inv.gross, inv.currency))
             for i, inv in enumerate(rows, start=offset + 1)]
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(t(lang, "btn.in_prev"),
                                        callback_data=f"in:l:{max(0, offset - PAGE)}"))
    if offset + len(rows) < total:
        nav.append(InlineKeyboardButton(t(lang, "btn.in_next"), callback_data=f"in:l:{offset + PAGE}"))
    buttons = [[InlineKeyboardButton(f"{i}. {clip(inv.invoice_number, 20)}", callback_data=f"in:d:{inv.id}")]
               for i, inv in enumerate(rows, start=offset + 1)]
    rows_of_buttons = [*buttons, nav, check] if nav else [*buttons, check]
    text = fit(head, lines, ["", polled], more=lambda count: t(lang, "more_items", count=count))
    await send(context, chat_id, text, InlineKeyboardMarkup(rows_of_buttons))


async def invoices_command(update: Update, context: Context) -> None:
    """/faktury (/invoices): recent purchase invoices; ``/faktury 30``: back-fill the last 30 days."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    args = context.args or []
    if args and args[0].isdigit():
        await _backfill(context, user_id, chat_id, lang, min(max(int(args[0]), 1), 90))
        return
    await _list(context, user_id, chat_id, lang, 0)


async def _backfill(context: Context, user_id: int, chat_id: int, lang: str, days: int) -> None:
    active = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if active is None:
        return
    if not await polling.backfill_allowed(context, user_id, chat_id, lang, active.id):
        return
    progress = await context.bot.send_message(chat_id, t(lang, "in.backfill", days=days))
    count, error = await context.services.sync.backfill(active.id, days)
    text = t(lang, "in.backfill_failed", error=esc(error)) if error else \
        t(lang, "in.backfill_done", count=count, days=days)
    try:
        await context.bot.edit_message_text(text, chat_id, progress.message_id)
    except BadRequest:
        pass
    if not error:
        await _list(context, user_id, chat_id, lang, 0)


_QUIET = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


async def notifications_command(update: Update, context: Context) -> None:
    """/powiadomienia wlacz|wylacz (/notifications on|off) for the active company."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    active = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if active is None:
        return
    arg = (context.args or [""])[0].lower()
    if arg in ("wylacz", "wyłącz", "off"):
        await context.services.inbox.set_muted(user_id, active.id, True)
        await send(context, chat_id, t(lang, "in.muted", nip=active.nip))
    elif arg in ("wlacz", "włącz", "on"):
        await context.services.inbox.set_muted(user_id, active.id, False)
        await send(context, chat_id, t(lang, "in.unmuted", nip=active.nip))
    else:
        await send(context, chat_id, t(lang, "in.settings_help"))


async def quiet_command(update: Update, context: Context) -> None:
    """/cisza 22:00-07:00 | wylacz (/quiet ...) for the active company."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    active = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if active is None:
        return
    arg = " ".join(context.args or []).strip().lower()
    inbox = context.services.inbox
    if arg in ("wylacz", "wyłącz", "off"):
        await inbox.set_quiet_hours(user_id, active.id, None, None)
        await send(context, chat_id, t(lang, "in.quiet_off", nip=active.nip))
        return
    match = _QUIET.match(arg)
    if match is None:
        await send(context, chat_id, t(lang, "in.settings_help"))
        return
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        await send(context, chat_id, t(lang, "in.settings_help"))
        return
    await inbox.set_quiet_hours(user_id, active.id, h1 * 60 + m1, h2 * 60 + m2)
    await send(context, chat_id, t(lang, "in.quiet_set", nip=active.nip, start=f"{h1:02d}:{m1:02d}",
                                   end=f"{h2:02d}:{m2:02d}"))


