"""The periodic jobs of the Application (PTB's JobQueue runs them; each at most once at a time). Jobs
produce outbox rows (through the services) and then ask the one dispatcher to send what is due:

- :func:`tick`: due reminders (token end of 2026, certificate expiry) and idle dialogues;
- :func:`inbox_tick`: due polls of KSeF (each in its own task) and every due outbox row;
- :func:`issuing_tick`: unfinished issued invoices (reconcile, upload offline ones, deadline warnings);
- :func:`availability_tick`: one KSeF availability round (its alerts are outbox rows);
- :func:`overdue_tick`: issued invoices that became overdue, told to their sellers once;
- :func:`payables_tick`: supplier invoices due tomorrow or today, reminded once per member;
- :func:`leader_tick`: stop when this gateway lost leadership (a standby takes over);
- :func:`month_tick`: the automatic summary of the month before, on the month's first working day.
"""

from __future__ import annotations

import logging

from bot.chat.common import Context
from bot.services.sync import PollResult

log = logging.getLogger(__name__)


async def tick(context: Context) -> None:
    """Queue due reminders and the notices of idle dialogues ended now, then send them."""
    svc = context.services
    await svc.dialogs.expire_idle(context.runtime.options.idle_timeout)
    await svc.reminders.queue_due()
    await context.runtime.outbox.dispatch()


async def inbox_tick(context: Context) -> None:
    """Start due polls (each in a task the runtime owns), then send every due outbox row."""
    runtime = context.runtime

    async def after_poll(result: PollResult) -> None:
        if result.new_invoice_ids:
            await runtime.outbox.dispatch()

    if runtime.scheduler is not None:
        await runtime.scheduler.tick(runtime.tasks.spawn, after_poll)
    await runtime.outbox.dispatch()


async def issuing_tick(context: Context) -> None:
    """Reconcile unfinished invoices, upload offline ones, queue what the users must hear (deadline warnings
    too), send it, close idle sessions."""
    svc = context.services
    if await svc.issuing.process_pending():
        await context.runtime.outbox.dispatch()
    await svc.ksef_clients.close_idle()


async def availability_tick(context: Context) -> None:
    """One monitoring round (KSeF back: the offline queue is uploaded at once), then send the alerts."""
    svc = context.services
    try:
        observed = await svc.availability.check()
        if observed.recovered:
            await svc.offline.wake()
    except Exception:  # one failed round must not stop the job; the next round tries again
        log.exception("availability check failed")
    await context.runtime.outbox.dispatch()


async def leader_tick(context: Context) -> None:
    """Leadership lost (the lock's database connection broke): stop, so a standby takes over cleanly
    instead of two gateways sending; the service manager restarts this process as a standby."""
    leader = context.runtime.leader
    if leader.is_leader and not await leader.still_leader():
        log.critical("gateway: leadership lost; stopping")
        context.runtime.request_stop()


async def month_tick(context: Context) -> None:
    """On the month's first working day: queue the month before's summary (once per member), send it."""
    if await context.services.month.queue_due():
        await context.runtime.outbox.dispatch()


async def overdue_tick(context: Context) -> None:
    """Queue what became overdue since the last run (one indexed query when nothing did), then send it."""
    if await context.services.overdue.queue():
        await context.runtime.outbox.dispatch()


async def payables_tick(context: Context) -> None:
    """Queue the due-date reminders of supplier invoices (the day before and on the day), then send them."""
    if await context.services.payables.queue_due():
        await context.runtime.outbox.dispatch()
