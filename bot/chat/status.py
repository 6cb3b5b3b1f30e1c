"""``/status`` (KSeF availability) and the buttons ``av:`` (the alert's status button, the maintenance
opt-out). The alerts themselves: ``bot.chat.alerts``; the monitoring job: ``bot.chat.jobs``."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, ids, send
from bot.chat.common import language as language_for
from bot.i18n import esc, fmt_datetime, t
from bot.services.availability import AvailabilityService
from ksef.availability import offline_guidance

log = logging.getLogger(__name__)


# --- /status -------------------------------------------------------------------------------------

async def command(update: Update, context: Context) -> None:
    """/status: the current state, since when, what it means now, the latest MF messages."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    text, markup = await status_message(context.services.availability, user_id, lang)
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


ACTIONS: dict[str, Spec] = {"status": (Field.OPTIONAL_ID,), "mute": (), "unmute": ()}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``av:status[:<delivery>]`` (the alert's button) shows /status; ``av:mute`` / ``av:unmute``
    turn maintenance announcements off/on (failure alerts always come)."""
    user_id, chat_id = ids(update)
    if pressed.action == "status":
        text, markup = await status_message(context.services.availability, user_id, lang)
        await send(context, chat_id, text, markup)
        return
    muted = pressed.action == "mute"
    await context.services.availability.set_maintenance_muted(user_id, muted)
    await send(context, chat_id, t(lang, "av.muted" if muted else "av.unmuted"))
