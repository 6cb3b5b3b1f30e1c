"""The main actions as buttons: under the "nothing is in progress" answer (inline, ``mn:go:<action>``)
and as the persistent menu under the message field (a reply keyboard whose labels, in either language,
are read back as the same actions by :mod:`bot.chat.menu`)."""

from __future__ import annotations

import unicodedata

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.chat.common import Context, send
from bot.i18n import CATALOGS, t

# Every action a menu button can start (the inline buttons' ``mn:go:<action>``).
ISSUE, INVOICES, SALES, STATUS, SETTINGS, HELP, CONNECT = (
    "issue", "invoices", "sales", "status", "settings", "help", "connect")
ACTIONS = (ISSUE, INVOICES, SALES, STATUS, SETTINGS, HELP, CONNECT)
# The menu under the message field: few buttons, three to a row, so each label stays whole on a phone.
KEYBOARD_ROWS = ((ISSUE, INVOICES, SALES), (SETTINGS, HELP))
# Actions that start a dialogue of their own (and so would replace the one in progress).
STARTS_DIALOGUE = frozenset({ISSUE, CONNECT})


def _normal(text: str) -> str:
    """A label as typed or tapped: emoji variation selectors and spacing differ between apps."""
    folded = unicodedata.normalize("NFC", text).replace("\ufe0f", "").replace("\ufe0e", "")
    return " ".join(folded.split()).casefold()


_LABELS: dict[str, str] = {_normal(catalog[f"mn.key.{action}"]): action
                           for catalog in CATALOGS.values() for row in KEYBOARD_ROWS for action in row}


def action_of_label(text: str | None) -> str | None:
    """The action of a menu label (either language), or None for any other text."""
    if not text or len(text) > 40:
        return None
    return _LABELS.get(_normal(text))


def reply_keyboard(lang: str) -> ReplyKeyboardMarkup:
    """The persistent menu under the message field."""
    return ReplyKeyboardMarkup([[KeyboardButton(t(lang, f"mn.key.{action}")) for action in row]
                                for row in KEYBOARD_ROWS],
                               resize_keyboard=True, is_persistent=True,
                               input_field_placeholder=t(lang, "mn.placeholder"))


def _button(lang: str, action: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(lang, f"mn.btn.{action}"), callback_data=f"mn:go:{action}")


def inline_actions(lang: str, *, connected: bool) -> InlineKeyboardMarkup:
    """The main actions under a message; before any company is connected, connecting comes first."""
    if not connected:
        return InlineKeyboardMarkup([[_button(lang, CONNECT)], [_button(lang, STATUS), _button(lang, HELP)]])
    return InlineKeyboardMarkup([[_button(lang, ISSUE), _button(lang, INVOICES)],
                                 [_button(lang, SALES), _button(lang, STATUS)],
                                 [_button(lang, SETTINGS), _button(lang, HELP)]])


def stop_and(lang: str, action: str) -> InlineKeyboardMarkup:
    """One button: leave the dialogue in progress and do ``action`` (``mn:stop:<action>``, for the
    actions in :data:`STARTS_DIALOGUE`)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, f"mn.stop.{action}"),
                                                       callback_data=f"mn:stop:{action}")]])


async def connected(context: Context, user_id: int) -> bool:
    """The user belongs to at least one company."""
    return bool(await context.services.companies.list(user_id))


async def show_idle(context: Context, chat_id: int, user_id: int, lang: str, *,
                    lead: str | None = None) -> None:
    """Outside any dialogue: what can be done, as buttons (``lead`` replaces "nothing is in progress")."""
    if await connected(context, user_id):
        await send(context, chat_id, lead or t(lang, "mn.idle"), inline_actions(lang, connected=True))
    else:
        await send(context, chat_id, lead or t(lang, "mn.idle_new"), inline_actions(lang, connected=False))


async def show_keyboard(context: Context, chat_id: int, lang: str) -> None:
    """Put the menu under the message field (it stays until replaced)."""
    await context.bot.send_message(chat_id, t(lang, "mn.shown"), reply_markup=reply_keyboard(lang))


async def show_keyboard_in(context: Context, chat_id: int, lang: str) -> None:
    """The language was just changed: say so, with the menu under the message field relabelled in it (a
    reply keyboard cannot be edited in place, only replaced by a message carrying the new one)."""
    await context.bot.send_message(chat_id, t(lang, "language.set"), reply_markup=reply_keyboard(lang))
