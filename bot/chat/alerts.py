"""KSeF availability alerts sent by the bot on its own: the renderer of the outbox kind
``availability.alert`` (its keyboard is unique per row, which makes the delivery probe exact)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.rendering import Rendered, TextMessage, renders
from bot.services import Services
from bot.services.availability import AVAILABILITY_ALERT, AvailabilityAlert
from bot.services.outbox import OutboxItem

STATUS_BUTTON = "📊 Status KSeF"  # the same in every language: the alert's text was rendered when queued


def alert_markup(row_id: int) -> InlineKeyboardMarkup:
    """The alert's keyboard; unique per outbox row, which is what makes the probe exact."""
    button = InlineKeyboardButton(STATUS_BUTTON, callback_data=f"av:status:{row_id}")
    return InlineKeyboardMarkup([[button]])


@renders(AVAILABILITY_ALERT)
async def availability_alert(services: Services, row: OutboxItem,
                             alert: AvailabilityAlert) -> Rendered | None:
    return TextMessage(alert.text, alert_markup(row.id))
