"""Messages the bot sends on its own about the user's setup: due reminders (token end, certificate
expiry, switching to a certificate) and the notice that an idle dialogue was ended — the renderers of
the outbox kinds ``reminder`` and ``dialog.idle``."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.rendering import Rendered, TextMessage, renders
from bot.i18n import clip, esc, fmt_date, t
from bot.services import Services
from bot.services.dialogs import IDLE_NOTICE, IdleNotice
from bot.services.outbox import OutboxItem
from bot.services.reminders import REMINDER, ReminderNotice

# Reminders about the token lead to the certificate login; the button also makes the delivery probe exact.
_SWITCH = ("token_expiry", "token_switch", "tokens_ended")


@renders(REMINDER)
async def reminder(services: Services, row: OutboxItem, notice: ReminderNotice) -> Rendered | None:
    lang = row.language
    until = fmt_date(lang, datetime.fromisoformat(notice.until)) if notice.until else ""
    # A certificate's name is the user's own text: one line, escaped.
    text = t(lang, f"remind.{notice.reminder}", nip=esc(notice.nip), until=until,
             name=esc(clip(notice.name or "", 100)), serial=esc(notice.serial or ""))
    if notice.reminder not in _SWITCH:
        return TextMessage(text)  # no keyboard: delivered at least once
    button = InlineKeyboardButton(t(lang, "btn.auth_switch"), callback_data=f"ac:sw:{row.id}")
    return TextMessage(text, InlineKeyboardMarkup([[button]]))


@renders(IDLE_NOTICE)
async def idle_notice(services: Services, row: OutboxItem, notice: IdleNotice) -> Rendered | None:
    # No keyboard (nothing to offer): delivered at least once, a harmless repeat after a crash at worst.
    return TextMessage(t(row.language, "idle_timeout"))
