"""The step-by-step guides (token, certificate): one message turned step by step with Next / Back / Stop."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, TelegramError

from bot.chat import keyboards
from bot.chat.common import Context, send
from bot.i18n import t
from bot.services.dialogs import Dialog

log = logging.getLogger(__name__)

GUIDE_STEPS = {"token": 8, "cert": 6, "auth": 5}
# What comes after the last guide step, and the button that skips the guide.
AFTER_GUIDE = {"token": "nip", "cert": "key", "auth": "nip"}
SKIP_KEY = {"token": "btn.have_token", "cert": "btn.have_files", "auth": "btn.have_files"}
PROMPTS = {"nip": "ask_nip", "token": "ask_token", "key": "ask_key", "cert": "ask_cert",
           "name": "ask_cert_name", "password": "ask_password"}
# The Authentication certificate flow ("auth") asks for its own files.
FLOW_PROMPTS = {("auth", "key"): "auth.ask_key", ("auth", "cert"): "auth.ask_cert"}
# The step before each input step, for the Back button.
PREVIOUS = {
    ("token", "nip"): f"guide:{GUIDE_STEPS['token'] - 1}",
    ("token", "token"): "nip",
    ("cert", "key"): f"guide:{GUIDE_STEPS['cert'] - 1}",
    ("cert", "cert"): "key",
    ("cert", "name"): "cert",
    ("cert", "password"): "name",
    ("auth", "nip"): f"guide:{GUIDE_STEPS['auth'] - 1}",
    ("auth", "key"): "nip",
    ("auth", "cert"): "key",
    ("auth", "password"): "cert",
}


def guide_index(step: str) -> int | None:
    return int(step.split(":", 1)[1]) if step.startswith("guide:") else None


def next_step(flow: str, step: str) -> str:
    index = guide_index(step)
    assert index is not None
    return f"guide:{index + 1}" if index + 1 < GUIDE_STEPS[flow] else AFTER_GUIDE[flow]


def previous_step(flow: str, step: str) -> str | None:
    index = guide_index(step)
    if index is not None:
        return f"guide:{index - 1}" if index > 0 else None
    return PREVIOUS.get((flow, step))


async def show(context: Context, chat_id: int, lang: str, dialog: Dialog, *, edit: int | None = None) -> None:
    """Show the dialogue's current step: as a new message, or (``edit``: the guide message whose button
    was pressed) by turning that message to the step, so the guide stays one message with live buttons."""
    index = guide_index(dialog.step)
    if index is not None:
        buttons = keyboards.guide(lang, dialog.flow, dialog.step, back=index > 0,
                                  skip=SKIP_KEY[dialog.flow] if index == 0 else None)
        await _show(context, chat_id, t(lang, f"guide.{dialog.flow}.{index}"), buttons, edit)
        return
    key = FLOW_PROMPTS.get((dialog.flow, dialog.step)) or PROMPTS[dialog.step]
    if dialog.step == "token" and dialog.data.get("replace"):
        key = "ask_token_replace"
    params = {"nip": dialog.data["nip"]} if dialog.step == "token" else {}
    # Replacing a token starts right at the token step: nothing to go back to.
    markup = None if dialog.data.get("replace") else keyboards.prompt(lang, dialog.flow, dialog.step)
    await _show(context, chat_id, t(lang, key, **params), markup, edit)


async def _show(context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup | None,
                edit: int | None) -> None:
    if edit is not None:
        try:
            await context.bot.edit_message_text(text, chat_id, edit, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():  # a repeated press: the step is already shown
                return
            # e.g. the message is too old or was deleted: the step comes as a new message instead
            log.info("guide step not edited in place: %s", type(exc).__name__)
        except TelegramError as exc:
            log.info("guide step not edited in place: %s", type(exc).__name__)
    await send(context, chat_id, text, markup)
