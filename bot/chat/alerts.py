"""KSeF availability alerts sent by the bot on their own: the alert's keyboard (unique per delivery row,
which makes the delivery probe exact), the Telegram messenger (``bot.services.broadcast``) and the
alerts' route on the application's shared Sender, at BULK priority."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.outbound import Key, OutboundRouter, Route, TrackingRateLimiter, mapped
from bot.pacing import OutboundJob, PermanentSendError, Priority
from bot.services.broadcast import FAILED, KEY_PREFIX, BroadcastService

log = logging.getLogger(__name__)

STATUS_BUTTON = "📊 Status KSeF"  # the same in every language: the delivery probe compares keyboards


def alert_markup(delivery_id: int) -> InlineKeyboardMarkup:
    """The alert's keyboard; unique per delivery row, which is what makes the probe exact."""
    button = InlineKeyboardButton(STATUS_BUTTON, callback_data=f"av:status:{delivery_id}")
    return InlineKeyboardMarkup([[button]])


class TelegramBroadcastMessenger:
    """``bot.services.broadcast.BroadcastMessenger`` over a PTB Bot."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    def newest_message_id(self, chat_id: int) -> int:
        limiter = getattr(self.bot, "rate_limiter", None)
        return limiter.last_message_ids.get(chat_id, 0) if isinstance(limiter, TrackingRateLimiter) else 0

    async def send(self, chat_id: int, text: str, delivery_id: int) -> int:
        markup = alert_markup(delivery_id)
        message = await mapped(lambda: self.bot.send_message(chat_id, text, reply_markup=markup))
        return int(message.message_id)

    async def is_delivered(self, chat_id: int, message_id: int, delivery_id: int) -> bool | None:
        try:
            await mapped(lambda: self.bot.edit_message_reply_markup(chat_id, message_id,
                                                                     reply_markup=alert_markup(delivery_id)))
        except PermanentSendError as exc:
            reason = str(exc).lower()
            if "not modified" in reason:
                return True  # exists with exactly this row's keyboard
            if "not found" in reason:
                return None
            return False  # a user's message, or one that cannot be edited
        # The edit went through: the message existed with another keyboard (one of our other messages
        # — e.g. an inbox notification whose keyboard we just replaced). Not ours; keep looking.
        log.warning("delivery probe changed the keyboard of message %s in chat %s", message_id, chat_id)
        return False


class AlertRuntime:
    """The alerts' route on the application's ONE shared Sender (``bot.chat.outbound.OutboundRouter``) at
    BULK priority, so alerts and notifications together stay within Telegram's limits."""

    def __init__(self, broadcast: BroadcastService, outbound: OutboundRouter,
                 messenger: TelegramBroadcastMessenger) -> None:
        self.broadcast, self.outbound, self.messenger = broadcast, outbound, messenger
        outbound.add_route(KEY_PREFIX, Route(send=self._send, on_failed=self._failed,
                                             on_blocked=self._blocked))

    async def _send(self, job: OutboundJob[Key]) -> None:
        await self.broadcast.send_one(int(job.payload[1]), self.messenger)

    async def _failed(self, job: OutboundJob[Key], exc: BaseException) -> None:
        delivery_id = int(job.payload[1])
        if isinstance(exc, PermanentSendError):
            log.warning("broadcast %s refused by Telegram: %s", delivery_id, type(exc).__name__)
            await self.broadcast.mark(delivery_id, FAILED)
        else:  # retries exhausted for now: the row stays unsent and the next tick submits it again
            self.broadcast.forget_submitted(delivery_id)

    async def _blocked(self, chat_id: int | str) -> None:
        if isinstance(chat_id, int):
            await self.broadcast.mark_chat_blocked(chat_id)

    async def dispatch(self) -> int:
        """Submit every unsent delivery row (rows left ``sending`` by a crash included)."""

        def submit(job: OutboundJob[int]) -> bool:
            return self.outbound.submit(job.chat_id, KEY_PREFIX, job.payload, Priority.BULK)

        return await self.broadcast.submit_unsent(submit)
