"""``/status`` (KSeF availability), the maintenance opt-out button (``av:``) and the monitor job
that checks KSeF and delivers availability broadcasts through the shared paced Sender."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from bot.chat.common import Context, esc, ids, send, services
from bot.chat.common import language as language_for
from bot.chat.outbound import Key, OutboundRouter, Route, TrackingRateLimiter, mapped, shared_outbound
from bot.i18n import fmt_datetime, t
from bot.pacing import OutboundJob, PermanentSendError, Priority
from bot.services.availability import AvailabilityService
from bot.services.broadcast import FAILED, KEY_PREFIX, BroadcastService
from ksef.availability import offline_guidance

log = logging.getLogger(__name__)
RUNTIME_KEY = "availability"


# --- /status -------------------------------------------------------------------------------------

async def command(update: Update, context: Context) -> None:
    """/status: the current state, since when, what it means now, the latest MF messages."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    text, markup = await status_message(services(context).availability, user_id, lang)
    await send(context, chat_id, text, markup)


async def status_message(service: AvailabilityService, user_id: int,
                         lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The /status text and its opt-out button."""
    view = await service.view(user_id)
    state = view.state
    since = fmt_datetime(lang, state.since) if state.since else t(lang, "av.status.since_unknown")
    guidance = offline_guidance(state, service.now()).summary
    lines = [t(lang, "av.status", state=t(lang, f"av.state.{state.state.value}"), since=since,
               guidance=esc(guidance))]
    if not state.latarnia_reachable:
        lines.append(t(lang, "av.status.latarnia_down"))
    if view.messages:
        lines.append(t(lang, "av.status.messages"))
        for msg in view.messages:
            when = fmt_datetime(lang, msg.published) if msg.published else ""
            body = f"\n{esc(msg.text[:300])}" if msg.text else ""
            lines.append(f"• {esc(when)} — <b>{esc(msg.title)}</b>{body}")
    else:
        lines.append(t(lang, "av.status.no_messages"))
    lines.append(t(lang, "av.status.muted" if view.maintenance_muted else "av.status.unmuted"))
    action = "unmute" if view.maintenance_muted else "mute"
    button = InlineKeyboardButton(t(lang, f"av.btn.{action}"), callback_data=f"av:{action}")
    return "\n\n".join(lines), InlineKeyboardMarkup([[button]])


async def on_callback(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """``av:status[:<delivery>]`` (the alert's button) shows /status; ``av:mute`` / ``av:unmute``
    turn maintenance announcements off/on (failure alerts always come)."""
    user_id, chat_id = ids(update)
    if parts[1] == "status":
        text, markup = await status_message(services(context).availability, user_id, lang)
        await send(context, chat_id, text, markup)
        return
    if parts[1] not in ("mute", "unmute"):
        return
    muted = parts[1] == "mute"
    await services(context).availability.set_maintenance_muted(user_id, muted)
    await send(context, chat_id, t(lang, "av.muted" if muted else "av.unmuted"))


# --- delivery over PTB ---------------------------------------------------------------------------

STATUS_BUTTON = "📊 Status KSeF"  # the same in every language: the delivery probe compares keyboards


def alert_markup(delivery_id: int) -> InlineKeyboardMarkup:
    """The alert's keyboard; unique per delivery row, which is what makes the probe exact."""
    button = InlineKeyboardButton(STATUS_BUTTON, callback_data=f"av:status:{delivery_id}")
    return InlineKeyboardMarkup([[button]])


class TelegramBroadcastMessenger:
    """``bot.services.broadcast.BroadcastMessenger`` over a PTB Bot."""

    def __init__(self, bot: Any) -> None:
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


# --- the monitor job and its Sender --------------------------------------------------------------

@dataclass
class AvailabilityRuntime:
    """Per-application: delivers availability broadcasts through the application's ONE shared Sender
    (``bot.chat.outbound.shared_outbound``) at BULK priority, so alerts and notifications together
    stay within Telegram's limits."""

    broadcast: BroadcastService
    router: OutboundRouter | None = None
    bot: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def start(self, application: Application) -> OutboundRouter:  # type: ignore[type-arg]
        """Register the broadcast route on the shared router and start it (idempotent)."""
        if self.router is None:
            self.bot = application.bot
            self.router = shared_outbound(application.bot_data)
            self.router.add_route(KEY_PREFIX, Route(send=self._send, on_failed=self._failed,
                                                    on_blocked=self._blocked))
        self.router.start()
        return self.router

    async def stop(self, *, grace: float = 10.0) -> None:
        """Detach; the shared router is stopped with the application. Unsent rows stay in the
        database and go out after the next start."""
        self.router = None

    async def _send(self, job: OutboundJob[Key]) -> None:
        await self.broadcast.send_one(int(job.payload[1]), TelegramBroadcastMessenger(self.bot))

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
        router = self.router
        assert router is not None

        def submit(job: OutboundJob[int]) -> bool:
            return router.submit(job.chat_id, KEY_PREFIX, job.payload, Priority.BULK)

        return await self.broadcast.submit_unsent(submit)


def runtime(application: Application) -> AvailabilityRuntime:  # type: ignore[type-arg]
    """The application's runtime (created on first use)."""
    found = application.bot_data.get(RUNTIME_KEY)
    if not isinstance(found, AvailabilityRuntime):
        svc = application.bot_data["services"]
        found = AvailabilityRuntime(svc.broadcast)
        application.bot_data[RUNTIME_KEY] = found
    return found


async def availability_tick(context: Context) -> None:
    """The periodic job: one monitoring round, then deliver what is unsent."""
    rt = runtime(context.application)
    rt.start(context.application)
    service = services(context).availability
    if service.source is not None:
        try:
            await service.check()
        except Exception:  # one failed round must not stop the job; the next round tries again
            log.exception("availability check failed")
    await rt.dispatch()


async def stop(application: Application, *, crash: bool = False) -> None:  # type: ignore[type-arg]
    """Stop the broadcast Sender (``crash``: abandon in-flight sends at once, as a dying process)."""
    found = application.bot_data.get(RUNTIME_KEY)
    if isinstance(found, AvailabilityRuntime):
        await found.stop(grace=0.0 if crash else 10.0)
