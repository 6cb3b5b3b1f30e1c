"""The periodic tick: due reminders (token end of 2026, certificate expiry) and idle dialogues."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.error import Forbidden, TelegramError

from bot.chat.common import Context, services
from bot.i18n import fmt_date, t

log = logging.getLogger(__name__)


async def tick(context: Context) -> None:
    """Send what is due; a reminder is marked sent only after Telegram accepted it."""
    svc = services(context)
    idle = context.application.bot_data.get("idle_timeout", timedelta(minutes=30))
    assert isinstance(idle, timedelta)
    for expired in await svc.dialogs.expire_idle(idle):
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
