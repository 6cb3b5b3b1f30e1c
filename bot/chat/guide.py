"""The step-by-step guides (token, certificate): one step per message with Next / Back / Stop."""

from __future__ import annotations

from bot.chat import keyboards
from bot.chat.common import Context, send
from bot.i18n import t
from bot.services.dialogs import Dialog

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


async def show(context: Context, chat_id: int, lang: str, dialog: Dialog) -> None:
    """Send the message of the dialogue's current step."""
    index = guide_index(dialog.step)
    if index is not None:
        buttons = keyboards.guide(lang, dialog.flow, dialog.step, back=index > 0,
                                  skip=SKIP_KEY[dialog.flow] if index == 0 else None)
        await send(context, chat_id, t(lang, f"guide.{dialog.flow}.{index}"), buttons)
        return
    key = FLOW_PROMPTS.get((dialog.flow, dialog.step)) or PROMPTS[dialog.step]
    if dialog.step == "token" and dialog.data.get("replace"):
        key = "ask_token_replace"
    params = {"nip": dialog.data["nip"]} if dialog.step == "token" else {}
    # Replacing a token starts right at the token step: nothing to go back to.
    markup = None if dialog.data.get("replace") else keyboards.prompt(lang, dialog.flow, dialog.step)
    await send(context, chat_id, t(lang, key, **params), markup)
