"""How often the bot checks KSeF for a company's purchase invoices, shown in ``/faktury``, and
"Sprawdź teraz" (check now): a poll at once when KSeF's limits allow it, else when it can be done next.
The policy: ``bot.services.polling`` and ``docs/polling.md``."""

from __future__ import annotations

import logging
import math

from telegram import InlineKeyboardButton
from telegram.error import BadRequest

from bot.chat.common import Context, send
from bot.i18n import fmt_datetime, t
from bot.services.errors import AccessDenied, ServiceError
from bot.services.polling import Activity

log = logging.getLogger(__name__)

CALLBACK = "in:c"  # in:c:<company id>


def duration(lang: str, seconds: float) -> str:
    """``45 s``, ``12 min``, ``1 godz. 5 min``: a wait or an interval, rounded up."""
    if math.ceil(seconds) < 60:
        return t(lang, "poll.seconds", n=max(1, math.ceil(seconds)))
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return t(lang, "poll.minutes", n=minutes)
    hours, rest = divmod(minutes, 60)
    return t(lang, "poll.hours", h=hours) if rest == 0 else t(lang, "poll.hours_minutes", h=hours, m=rest)


def check_button(lang: str, company_id: int) -> InlineKeyboardButton:
    """The "Sprawdź teraz" button of a company."""
    return InlineKeyboardButton(t(lang, "btn.poll_now"), callback_data=f"{CALLBACK}:{company_id}")


async def polling_line(context: Context, company_id: int, lang: str) -> str:
    """"I check KSeF every 15 min. Last check: …" for ``/faktury``."""
    view = await context.services.sync.polling_view(company_id)
    if view is None:
        return t(lang, "poll.not_yet")
    last = fmt_datetime(lang, view.last_poll_at) if view.last_poll_at else t(lang, "poll.never")
    key = {Activity.ACTIVE: "poll.every", Activity.QUIET: "poll.every_quiet",
           Activity.DORMANT: "poll.every_dormant"}[view.activity]
    return t(lang, key, interval=duration(lang, view.interval), base=duration(lang, view.base), last=last)


async def check_now(context: Context, user_id: int, chat_id: int, lang: str, company_id: int) -> None:
    """Poll the company at once when its limits allow; the notifications follow as usual."""
    svc = context.services
    try:
        nip = (await svc.companies.get(user_id, company_id)).nip
        decision = await svc.sync.request_check(user_id, company_id)
    except (AccessDenied, ServiceError):  # the company was removed, or the user left it
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if not decision.allowed:
        view = await svc.sync.polling_view(company_id)
        interval = view.interval if view is not None else svc.sync.interval
        await send(context, chat_id, t(lang, "poll.limited", wait=duration(lang, decision.wait),
                                       interval=duration(lang, interval)))
        return
    runtime = context.runtime
    if runtime.scheduler is None:  # a scale-out gateway: a worker polls (the company is due now)
        await send(context, chat_id, t(lang, "poll.queued"))
        return
    progress = await context.bot.send_message(chat_id, t(lang, "poll.checking"))
    result = await runtime.scheduler.poll_now(company_id)
    if result.new_invoice_ids:
        await runtime.outbox.dispatch()
    if result.error == "raced":  # another poll got there first; what it found is being notified
        text = t(lang, "poll.queued")
    elif result.error is not None:
        text = t(lang, "poll.failed")
    elif result.new_invoice_ids:
        text = t(lang, "poll.found", count=len(result.new_invoice_ids), nip=nip)
    else:
        text = t(lang, "poll.nothing_new", nip=nip)
    try:
        await context.bot.edit_message_text(text, chat_id, progress.message_id)
    except BadRequest:
        await send(context, chat_id, text)


async def backfill_allowed(context: Context, user_id: int, chat_id: int, lang: str, company_id: int) -> bool:
    """The back-fill shares the on-demand budget with "Sprawdź teraz": False after telling the user when
    it will be possible."""
    decision = await context.services.sync.request_check(user_id, company_id, poll=False)
    if decision.allowed:
        return True
    await send(context, chat_id, t(lang, "poll.backfill_limited", wait=duration(lang, decision.wait)))
    return False
