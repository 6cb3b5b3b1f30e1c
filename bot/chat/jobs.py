"""The periodic jobs of the Application (PTB's JobQueue runs them; each at most once at a time):

- :func:`tick`: due reminders (token end of 2026, certificate expiry) and idle dialogues;
- :func:`inbox_tick`: due polls of KSeF (each in its own task) and due notifications;
- :func:`issuing_tick`: unfinished issued invoices (reconcile, upload offline ones, deadline warnings);
- :func:`availability_tick`: one KSeF availability round, then the alerts not yet delivered;
- :func:`leader_tick`: stop when this gateway lost leadership (a standby takes over).
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram.error import Forbidden, TelegramError

from bot.chat import issuing
from bot.chat.common import Context
from bot.i18n import fmt_date, t
from bot.services.sync import PollResult

log = logging.getLogger(__name__)


async def tick(context: Context) -> None:
    """Send what is due; a reminder is marked sent only after Telegram accepted it."""
    svc = context.services
    for expired in await svc.dialogs.expire_idle(context.runtime.options.idle_timeout):
        try:
            await context.bot.send_message(expired.chat_id, t(expired.language, "idle_timeout"))
        except TelegramError as exc:
            log.warning("idle notice not sent: %s", type(exc).__name__)
    for reminder in await svc.reminders.due():
        params = dict(reminder.params)
        for key in ("valid_until", "not_after"):
            if key in params:
                params["until"] = fmt_date(reminder.language, datetime.fromisoformat(str(params[key])))
        try:
            await context.bot.send_message(reminder.chat_id, t(reminder.language, f"remind.{reminder.kind}",
                                                               **params))
        except Forbidden:
            log.info("reminder %s: the user blocked the bot", reminder.id)
        except TelegramError as exc:
            log.warning("reminder %s not sent (will retry): %s", reminder.id, type(exc).__name__)
            continue
        await svc.reminders.mark_sent(reminder.id)


async def inbox_tick(context: Context) -> None:
    """Start due polls (each in a task the runtime owns), then send what is due."""
    runtime = context.runtime
    inbox = runtime.inbox

    async def after_poll(result: PollResult) -> None:
        if result.new_invoice_ids:
            await inbox.dispatch()

    if inbox.scheduler is not None:
        await inbox.scheduler.tick(runtime.tasks.spawn, after_poll)
    await inbox.dispatch()


async def issuing_tick(context: Context) -> None:
    """Reconcile unfinished invoices, upload offline ones, warn before deadlines, close idle sessions."""
    svc = context.services
    notices = svc.offline.drain() + await svc.issuing.process_pending()
    for notice in notices:
        try:
            await issuing.notify(context, notice)
        except TelegramError as exc:
            log.warning("invoice %s notice not sent: %s", notice.invoice.id, type(exc).__name__)
    await svc.ksef_clients.close_idle()


async def availability_tick(context: Context) -> None:
    """One monitoring round (KSeF back: the offline queue is uploaded at once), then deliver the alerts
    not yet sent."""
    svc = context.services
    try:
        observed = await svc.availability.check()
        if observed.recovered:
            await svc.offline.wake()
    except Exception:  # one failed round must not stop the job; the next round tries again
        log.exception("availability check failed")
    await context.runtime.alerts.dispatch()


async def leader_tick(context: Context) -> None:
    """Leadership lost (the lock's database connection broke): stop, so a standby takes over cleanly
    instead of two gateways sending; the service manager restarts this process as a standby."""
    leader = context.runtime.leader
    if leader.is_leader and not await leader.still_leader():
        log.critical("gateway: leadership lost; stopping")
        context.runtime.request_stop()
