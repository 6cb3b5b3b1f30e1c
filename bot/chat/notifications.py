"""Purchase-invoice notifications sent by the bot on its own: their rendering, the Telegram messenger
with its delivery probe (``bot.services.notify``), and the inbox route on the application's shared Sender."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.outbound import Key, OutboundRouter, Route, TrackingRateLimiter, mapped
from bot.i18n import esc, fmt_date, fmt_money, t
from bot.pacing import OutboundJob, PermanentSendError, Priority
from bot.services.inbox import OutboxView
from bot.services.notify import NotifyService
from bot.services.scheduler import PollScheduler
from ksef.banking import format_account

log = logging.getLogger(__name__)

SUMMARY_LINES = 20
ROUTE = "inbox"


def money(lang: str, amount: str, currency: str) -> str:
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
        lines.append(t(lang, "in.gross", amount=money(lang, inv.gross, inv.currency)))
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
                       number=esc(inv.invoice_number), amount=money(lang, inv.gross, inv.currency)))
    if view.total_count > SUMMARY_LINES:
        lines.append(t(lang, "in.summary_more", count=view.total_count - SUMMARY_LINES))
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.in_list"),
                                                         callback_data=f"in:l:0:{view.id}")]])
    return "\n".join(lines), markup


class TelegramMessenger:
    """``bot.services.notify.Messenger`` over a PTB Bot."""

    def __init__(self, bot: Bot) -> None:
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


class InboxRuntime:
    """The inbox side of one application: its route on the shared Sender, the poll scheduler (None in a
    scale-out gateway: the workers poll) and which outbox rows are queued in this process."""

    def __init__(self, notify: NotifyService, outbound: OutboundRouter, messenger: TelegramMessenger,
                 scheduler: PollScheduler | None) -> None:
        self.notify, self.outbound, self.messenger, self.scheduler = notify, outbound, messenger, scheduler
        self.queued: dict[int, int] = {}  # outbox id → chat id
        self._recovered = False  # rows left ``sending`` by a crash are looked for once, first
        outbound.add_route(ROUTE, Route(self._send, on_sent=self._done, on_failed=self._failed,
                                        on_blocked=self._blocked))

    async def _send(self, job: OutboundJob[Key]) -> None:
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
        inbox = self.notify.inbox
        ids_ = ([] if self._recovered else await inbox.in_doubt()) + await inbox.due_outbox()
        self._recovered = True
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
