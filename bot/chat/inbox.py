"""Purchase-invoice notifications in the chat: rendering, the Telegram messenger with its delivery
probe, the poll/dispatch job, the invoice buttons (details, XML, PDF), /faktury and the settings."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest
from telegram.ext import Application

from bot.chat.common import Context, ids, send, services
from bot.chat.common import language as language_for
from bot.chat.outbound import Key, OutboundRouter, Route, TrackingRateLimiter, mapped, shared_outbound
from bot.i18n import esc, fmt_date, fmt_money, t
from bot.pacing import OutboundJob, PermanentSendError, Priority
from bot.services.errors import AccessDenied
from bot.services.inbox import InvoiceView, OutboxView
from bot.services.notify import NotifyService
from bot.services.scheduler import PollScheduler
from bot.services.sync import PollResult, SyncService
from ksef.banking import format_account

log = logging.getLogger(__name__)

SUMMARY_LINES = 20
PAGE = 10


def _money(lang: str, amount: str, currency: str) -> str:
    try:
        return fmt_money(lang, Decimal(amount), currency or "PLN")
    except (InvalidOperation, ValueError):
        return f"{amount} {currency}"


def render(view: OutboxView) -> tuple[str, InlineKeyboardMarkup]:
    """The notification text and keyboard; deterministic (the delivery probe re-creates it)."""
    lang = view.language
    if view.kind == "invoice" and view.invoices:
        inv = view.invoices[0]
        lines = [t(lang, "in.new", company=view.company_nip),
                 t(lang, "in.seller", name=esc(inv.seller_name), nip=esc(inv.seller_nip)),
                 t(lang, "in.number", number=esc(inv.invoice_number))]
        if inv.issue_date:
            lines.append(t(lang, "in.issued", date=fmt_date(lang, inv.issue_date)))
        lines.append(t(lang, "in.gross", amount=_money(lang, inv.gross, inv.currency)))
        if inv.due_date:
            lines.append(t(lang, "in.due", date=fmt_date(lang, inv.due_date)))
        if inv.bank_account:
            lines.append(t(lang, "in.account", account=esc(format_account(inv.bank_account))))
        lines.append(t(lang, "in.ksef", number=esc(inv.ksef_number)))
        markup = InlineKeyboardMarkup([
            [InlineKeyboardButton(t(lang, "btn.in_details"), callback_data=f"in:d:{inv.id}:{view.id}")],
            [InlineKeyboardButton(t(lang, "btn.in_xml"), callback_data=f"in:x:{inv.id}"),
             InlineKeyboardButton(t(lang, "btn.in_pdf"), callback_data=f"in:p:{inv.id}")]])
        return "\n".join(lines), markup
    lines = [t(lang, "in.summary", count=view.total_count, company=view.company_nip)]
    for inv in view.invoices[:SUMMARY_LINES]:
        lines.append(t(lang, "in.summary_line", seller=esc(inv.seller_name or inv.seller_nip),
                       number=esc(inv.invoice_number), amount=_money(lang, inv.gross, inv.currency)))
    if view.total_count > SUMMARY_LINES:
        lines.append(t(lang, "in.summary_more", count=view.total_count - SUMMARY_LINES))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.in_list"),
                                                         callback_data=f"in:l:0:{view.id}")]])
    return "\n".join(lines), markup


class TelegramMessenger:
    """``bot.services.notify.Messenger`` over a PTB Bot."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, view: OutboxView) -> int:
        text, markup = render(view)
        message = await mapped(lambda: self.bot.send_message(view.chat_id, text, reply_markup=markup))
        return int(message.message_id)

    def newest_message_id(self, chat_id: int) -> int:
        limiter = getattr(self.bot, "rate_limiter", None)
        return limiter.last_message_ids.get(chat_id, 0) if isinstance(limiter, TrackingRateLimiter) else 0

    async def is_delivered(self, view: OutboxView, message_id: int) -> bool | None:
        _, markup = render(view)
        try:
            await mapped(lambda: self.bot.edit_message_reply_markup(view.chat_id, message_id,
                                                                     reply_markup=markup))
        except PermanentSendError as exc:
            reason = str(exc).lower()
            if "not modified" in reason:
                return True  # exists with exactly our keyboard: it is our notification
            if "not found" in reason:
                return None
            return False  # a user's message, or one that cannot be edited
        log.warning("delivery probe changed the keyboard of message %s (not our notification)", message_id)
        return False


ROUTE = "inbox"


@dataclass
class InboxRuntime:
    """Per-application state of the inbox: its route on the shared Sender, the poll scheduler and
    which outbox rows are queued in this process."""

    notify: NotifyService
    sync: SyncService
    scheduler: PollScheduler | None  # None in a scale-out gateway: the workers poll (bot.jobs)
    outbound: OutboundRouter | None = None
    messenger: TelegramMessenger | None = None
    queued: dict[int, int] = field(default_factory=dict)  # outbox id → chat id
    recovered: bool = False

    def start(self, application: Application) -> OutboundRouter:  # type: ignore[type-arg]
        """Register the inbox route on the shared Sender and start it (in the event loop), once."""
        if self.outbound is None:
            self.messenger = TelegramMessenger(application.bot)
            self.outbound = shared_outbound(application.bot_data)
            self.outbound.add_route(ROUTE, Route(self._send, on_sent=self._done, on_failed=self._failed,
                                                 on_blocked=self._blocked))
        self.outbound.start()
        return self.outbound

    async def stop(self, *, crash: bool = False) -> None:
        if self.outbound is not None:
            await self.outbound.stop(crash=crash)
        await self.sync.aclose()

    async def _send(self, job: OutboundJob[Key]) -> None:
        assert self.messenger is not None
        await self.notify.deliver(self.messenger, job.payload[1])

    def _done(self, job: OutboundJob[Key]) -> None:
        self.queued.pop(job.payload[1], None)

    async def _failed(self, job: OutboundJob[Key], exc: BaseException) -> None:
        self.queued.pop(job.payload[1], None)
        if isinstance(exc, PermanentSendError):
            log.warning("outbox %s refused by Telegram: %s", job.payload[1], exc)
            await self.notify.inbox.mark_status(job.payload[1], "failed")
        # else: retries exhausted for now; the row stays and the next tick submits it again

    async def _blocked(self, chat_id: int | str) -> None:
        for key, chat in list(self.queued.items()):
            if chat == chat_id:
                self.queued.pop(key, None)
        if isinstance(chat_id, int):
            await self.notify.inbox.pause_chat(chat_id)

    async def dispatch(self) -> int:
        """Submit due outbox rows (rows left ``sending`` by a crash first); returns how many."""
        assert self.outbound is not None
        inbox = self.notify.inbox
        ids_ = ([] if self.recovered else await inbox.in_doubt()) + await inbox.due_outbox()
        self.recovered = True
        submitted = 0
        for outbox_id in ids_:
            if outbox_id in self.queued:
                continue
            view = await inbox.outbox(outbox_id, max_invoices=0)
            if view is None:
                continue
            if self.outbound.submit(view.chat_id, ROUTE, outbox_id, Priority.NOTIFICATION):
                self.queued[outbox_id] = view.chat_id
                submitted += 1
        return submitted


def runtime(context: Context) -> InboxRuntime:
    found = context.application.bot_data["inbox"]
    assert isinstance(found, InboxRuntime)
    return found


async def inbox_tick(context: Context) -> None:
    """The periodic job: start due polls (each in its own task), then send what is due."""
    rt = runtime(context)
    rt.start(context.application)

    async def after_poll(result: PollResult) -> None:
        if result.new_invoice_ids:
            await rt.dispatch()

    if rt.scheduler is not None:
        await rt.scheduler.tick(context.application.create_task, after_poll)
    await rt.dispatch()


# --- buttons -------------------------------------------------------------------------------------

async def on_callback(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """``in:d:<invoice>[:<outbox>]`` details, ``in:x:<invoice>`` XML, ``in:p:<invoice>`` PDF,
    ``in:l:<offset>[:<outbox>]`` the list."""
    user_id, chat_id = ids(update)
    action = parts[1]
    if action == "l":
        await _list(context, user_id, chat_id, lang, _int(parts[2]) if len(parts) > 2 else 0)
        return
    if len(parts) < 3 or not parts[2].isdigit():
        return
    svc = services(context)
    try:
        invoice = await svc.inbox.invoice_for(user_id, int(parts[2]))
    except AccessDenied:
        await send(context, chat_id, t(lang, "stale_button"))
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

        pdf = render_pdf(xml, env=invoice.environment, ksef_number=invoice.ksef_number)
        await context.bot.send_document(chat_id, InputFile(pdf, filename=f"{invoice.ksef_number}.pdf"))
    elif action == "d":
        await send(context, chat_id, _details(lang, invoice, xml))


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _details(lang: str, invoice: InvoiceView, xml: bytes) -> str:
    from ksef.fa3 import parse

    summary = parse(xml)
    out = [t(lang, "in.details", number=esc(invoice.invoice_number))]
    for line in summary.lines:
        price = line.unit_net_price if line.unit_net_price is not None else line.unit_gross_price
        out.append(t(lang, "in.line", no=line.number, name=esc(line.name or ""), qty=line.quantity or "",
                     unit=esc(line.unit or ""), price=_money(lang, str(price or 0), summary.currency),
                     gross=_money(lang, str(line.gross if line.gross is not None else line.net or 0),
                                  summary.currency)))
    for rate in summary.totals:
        out.append(t(lang, "in.rate", label=esc(rate.label),
                     net=_money(lang, str(rate.net), summary.currency),
                     vat=_money(lang, str(rate.vat), summary.currency),
                     gross=_money(lang, str(rate.gross), summary.currency)))
    return "\n".join(out)


# --- commands --------------------------------------------------------------------------------------

async def _active_company(context: Context, user_id: int) -> tuple[int, str] | None:
    svc = services(context)
    user = await svc.companies.user(user_id)
    if user is None or user.active_company_id is None:
        return None
    for company in await svc.companies.list(user_id):
        if company.id == user.active_company_id:
            return company.id, company.nip
    return None


async def _list(context: Context, user_id: int, chat_id: int, lang: str, offset: int) -> None:
    active = await _active_company(context, user_id)
    if active is None:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    company_id, nip = active
    try:
        rows, total = await services(context).inbox.recent(user_id, company_id, offset, PAGE)
    except AccessDenied:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    if not rows:
        await send(context, chat_id, t(lang, "in.list_empty", nip=nip))
        return
    lines = [t(lang, "in.list_header", nip=nip, first=offset + 1, last=offset + len(rows), total=total)]
    for i, inv in enumerate(rows, start=offset + 1):
        lines.append(t(lang, "in.list_line", no=i, date=inv.issue_date.isoformat() if inv.issue_date else "",
                       seller=esc(inv.seller_name or inv.seller_nip), number=esc(inv.invoice_number),
                       amount=_money(lang, inv.gross, inv.currency)))
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(t(lang, "btn.in_prev"),
                                        callback_data=f"in:l:{max(0, offset - PAGE)}"))
    if offset + len(rows) < total:
        nav.append(InlineKeyboardButton(t(lang, "btn.in_next"), callback_data=f"in:l:{offset + PAGE}"))
    buttons = [[InlineKeyboardButton(f"{i}. {inv.invoice_number[:20]}", callback_data=f"in:d:{inv.id}")]
               for i, inv in enumerate(rows, start=offset + 1)]
    await send(context, chat_id, "\n".join(lines), InlineKeyboardMarkup([*buttons, nav] if nav else buttons))


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
    active = await _active_company(context, user_id)
    if active is None:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    progress = await context.bot.send_message(chat_id, t(lang, "in.backfill", days=days))
    count, error = await services(context).sync.backfill(active[0], days)
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
    active = await _active_company(context, user_id)
    if active is None:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    arg = (context.args or [""])[0].lower()
    if arg in ("wylacz", "wyłącz", "off"):
        await services(context).inbox.set_muted(user_id, active[0], True)
        await send(context, chat_id, t(lang, "in.muted", nip=active[1]))
    elif arg in ("wlacz", "włącz", "on"):
        await services(context).inbox.set_muted(user_id, active[0], False)
        await send(context, chat_id, t(lang, "in.unmuted", nip=active[1]))
    else:
        await send(context, chat_id, t(lang, "in.settings_help"))


async def quiet_command(update: Update, context: Context) -> None:
    """/cisza 22:00-07:00 | wylacz (/quiet ...) for the active company."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    active = await _active_company(context, user_id)
    if active is None:
        await send(context, chat_id, t(lang, "in.no_company"))
        return
    arg = " ".join(context.args or []).strip().lower()
    inbox = services(context).inbox
    if arg in ("wylacz", "wyłącz", "off"):
        await inbox.set_quiet_hours(user_id, active[0], None, None)
        await send(context, chat_id, t(lang, "in.quiet_off", nip=active[1]))
        return
    match = _QUIET.match(arg)
    if match is None:
        await send(context, chat_id, t(lang, "in.settings_help"))
        return
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        await send(context, chat_id, t(lang, "in.settings_help"))
        return
    await inbox.set_quiet_hours(user_id, active[0], h1 * 60 + m1, h2 * 60 + m2)
    await send(context, chat_id, t(lang, "in.quiet_set", nip=active[1], start=f"{h1:02d}:{m1:02d}",
                                   end=f"{h2:02d}:{m2:02d}"))


