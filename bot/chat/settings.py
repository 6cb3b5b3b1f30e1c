"""``/ustawienia`` (``/settings``): the active company's settings as one message with buttons.

Each button carries the value it sets (``se:mute:<company>:on``), not "toggle", so a double tap or an
old message changes nothing unexpected; after the change the same message is edited to show the new
state. Quiet hours open a short list of presets in the same message. The typed commands
(``/powiadomienia wylacz``, ``/cisza 22:00-07:00``) keep working beside it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.chat import actions
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, active_company, error_text, ids, send
from bot.i18n import t
from bot.services.errors import ServiceError
from bot.services.settings import QUIET_PRESETS, CompanySettings, QuietHours, SettingsChange

log = logging.getLogger(__name__)

ON, OFF = "on", "off"
MAX_OTHER_COMPANIES = 5  # buttons to the settings of the user's other companies
ACTIONS: dict[str, Spec] = {
    "show": (Field.ID,),  # the main screen again (from the quiet-hours list), or another company's
    "mute": (Field.ID, Field.WORD),  # on | off
    "rem": (Field.ID, Field.WORD),  # payment reminders: on | off
    "mon": (Field.ID, Field.WORD),  # the month's summary: on | off
    "lang": (Field.ID, Field.WORD),  # pl | en
    "quiet": (Field.ID,),  # open the presets
    "q": (Field.ID, Field.WORD),  # a preset (``22_7``…) or ``off``
}


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def quiet_state(lang: str, quiet: QuietHours | None) -> str:
    """``22:00–07:00``, or "off"."""
    if quiet is None:
        return t(lang, "set.quiet_off")
    return t(lang, "set.quiet_range", start=_hhmm(quiet.start), end=_hhmm(quiet.end))


def _state(lang: str, on: bool) -> str:
    return t(lang, "set.on" if on else "set.off")


def render(lang: str, settings: CompanySettings) -> tuple[str, InlineKeyboardMarkup]:
    """The settings message and its buttons, each button showing what it will do."""
    cid = settings.company_id
    lines = [t(lang, "set.title", nip=settings.nip), "",
             t(lang, "set.notifications", state=_state(lang, not settings.muted)),
             t(lang, "set.quiet", state=quiet_state(lang, settings.quiet)),
             t(lang, "set.reminders", state=_state(lang, settings.payment_reminders)),
             t(lang, "set.month", state=_state(lang, settings.month_summary)),
             t(lang, "set.language"), "", t(lang, "set.hint")]

    def button(key: str, data: str, **params: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(lang, key, **params), callback_data=data)

    other = "en" if lang == "pl" else "pl"
    rows = [
        [button("set.btn.unmute", f"se:mute:{cid}:{OFF}") if settings.muted
         else button("set.btn.mute", f"se:mute:{cid}:{ON}")],
        [button("set.btn.quiet", f"se:quiet:{cid}", state=quiet_state(lang, settings.quiet))],
        [button("set.btn.reminders_off", f"se:rem:{cid}:{OFF}") if settings.payment_reminders
         else button("set.btn.reminders_on", f"se:rem:{cid}:{ON}")],
        [button("set.btn.month_off", f"se:mon:{cid}:{OFF}") if settings.month_summary
         else button("set.btn.month_on", f"se:mon:{cid}:{ON}")],
        [button("set.btn.language", f"se:lang:{cid}:{other}")],
    ]
    # Another company's settings in the same message (the active company stays as it is).
    rows += [[button("set.btn.company", f"se:show:{company_id}", nip=nip)]
             for company_id, nip in settings.others[:MAX_OTHER_COMPANIES]]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def render_quiet(lang: str, settings: CompanySettings) -> tuple[str, InlineKeyboardMarkup]:
    """The quiet-hours presets (two to a row), "no quiet hours" and back."""
    cid = settings.company_id
    presets = [InlineKeyboardButton(("✓ " if settings.quiet == hours else "") + quiet_state(lang, hours),
                                    callback_data=f"se:q:{cid}:{name}")
               for name, hours in QUIET_PRESETS.items()]
    rows = [presets[i:i + 2] for i in range(0, len(presets), 2)]
    rows.append([InlineKeyboardButton(("✓ " if settings.quiet is None else "") + t(lang, "set.btn.quiet_off"),
                                      callback_data=f"se:q:{cid}:{OFF}")])
    rows.append([InlineKeyboardButton(t(lang, "set.btn.back"), callback_data=f"se:show:{cid}")])
    text = t(lang, "set.quiet_pick", nip=settings.nip, state=quiet_state(lang, settings.quiet))
    return text, InlineKeyboardMarkup(rows)


async def show(context: Context, user_id: int, chat_id: int, lang: str) -> None:
    """The active company's settings as a new message."""
    company = await active_company(context, user_id, chat_id, lang, "set.no_company")
    if company is None:
        return
    settings = await context.services.settings.get(user_id, company.id)
    text, markup = render(settings.language, settings)
    await send(context, chat_id, text, markup)


async def command(update: Update, context: Context) -> None:
    """/ustawienia (/settings)."""
    user_id, chat_id = ids(update)
    lang = await context.services.companies.language(user_id)
    await show(context, user_id, chat_id, lang)


def _change(pressed: Pressed) -> SettingsChange | None:
    """The change a press asks for; None for a value no button of ours carries (forged or old)."""
    action, word = pressed.action, pressed.words[0] if pressed.words else ""
    if action in ("mute", "rem", "mon"):
        if word not in (ON, OFF):
            return None
        value = word == ON
        return {"mute": SettingsChange(muted=value), "rem": SettingsChange(payment_reminders=value),
                "mon": SettingsChange(month_summary=value)}[action]
    if action == "lang":
        return SettingsChange(language=word) if word in ("pl", "en") else None
    if action == "q":
        if word == OFF:
            return SettingsChange(quiet_off=True)
        hours = QUIET_PRESETS.get(word)
        return SettingsChange(quiet=hours) if hours is not None else None
    return SettingsChange()  # show / quiet: nothing changes, the screen is shown


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``se:<action>:<company>[:<value>]``: change, then edit the same message to show the new state."""
    user_id, chat_id = ids(update)
    change = _change(pressed)
    if change is None:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    try:
        settings = await context.services.settings.change(user_id, pressed.id, change)
    except ServiceError as exc:  # not a member (any more): the company was removed or access taken
        await send(context, chat_id, error_text(lang, exc))
        return
    shown = settings.language
    text, markup = render_quiet(shown, settings) if pressed.action == "quiet" else render(shown, settings)
    await _redraw(update, context, chat_id, text, markup)
    if pressed.action == "lang" and shown != lang:
        await actions.show_keyboard_in(context, chat_id, shown)  # the menu in the new language, as /jezyk


async def _redraw(update: Update, context: Context, chat_id: int, text: str,
                  markup: InlineKeyboardMarkup) -> None:
    """Edit the pressed settings message to ``text``; sent anew when it cannot be edited."""
    message = update.callback_query.message if update.callback_query else None
    if message is None:
        await send(context, chat_id, text, markup)
        return
    try:
        await context.bot.edit_message_text(text, chat_id, message.message_id, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return  # pressed twice: the message already shows this state
        log.info("settings not edited (%s); sent anew", type(exc).__name__)
        await send(context, chat_id, text, markup)
