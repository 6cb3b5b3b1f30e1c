"""Finding what the bot can do: ``/pomoc`` (``/help``), ``/menu``, the menu's buttons, and unknown commands.

The menu under the message field sends its label as text. A label is taken as its action before the
dialogue's text handler sees it — no dialogue asks for "🧾 Wystaw" — but an action that starts a
dialogue of its own (issuing, connecting) does not silently replace the one in progress: the user is
asked to finish or stop it (one button stops it and does the action), and the current question is asked
again. Help, settings, the lists and the status leave a dialogue as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler, filters

from bot.chat import actions, inbox, issuing, onboarding, sales, settings, status
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, ids, send
from bot.chat.common import language as language_for
from bot.chat.reask import reask
from bot.i18n import clip, esc, t

log = logging.getLogger(__name__)

# The one-line fast path shown in /pomoc; a test sends it exactly as shown and gets its preview.
FAST_PATH_EXAMPLE = "/wystaw 5260250274 Usługa programistyczna 10 h x 150 zł 23%"
FAST_PATH_EXAMPLE_EN = "/invoice 5260250274 Usługa programistyczna 10 h x 150 zł 23%"

ACTIONS: dict[str, Spec] = {"go": (Field.WORD,), "stop": (Field.WORD,)}
# Typed outside a dialogue, these get the help itself rather than "nothing is in progress".
HELP_WORDS = frozenset({"pomoc", "help", "pomocy", "co umiesz", "jak to działa", "instrukcja"})


def asks_for_help(text: str) -> bool:
    """Text that asks for help in so many words (case, spacing and final punctuation ignored)."""
    return " ".join(text.split()).strip(" .!?").casefold() in HELP_WORDS or text.strip() == "?"


class MenuLabel(filters.MessageFilter):
    """Text that is one of the menu's labels (either language)."""

    def filter(self, message: Message) -> bool:
        return actions.action_of_label(message.text) is not None


MENU_LABEL = MenuLabel(name="MenuLabel")


def help_text(lang: str, *, connected: bool) -> str:
    """What the bot does and the main commands, each with an example."""
    example = FAST_PATH_EXAMPLE if lang == "pl" else FAST_PATH_EXAMPLE_EN
    text = t(lang, "mn.help", example=esc(example))
    return text if connected else t(lang, "mn.help_new") + "\n\n" + text


async def show_help(context: Context, chat_id: int, user_id: int, lang: str) -> None:
    """The help message with the main actions under it."""
    connected = await actions.connected(context, user_id)
    await send(context, chat_id, help_text(lang, connected=connected),
               actions.inline_actions(lang, connected=connected))


async def help_command(update: Update, context: Context) -> None:
    """/pomoc (/help)."""
    user_id, chat_id = ids(update)
    await show_help(context, chat_id, user_id, await language_for(context, user_id))


async def menu_command(update: Update, context: Context) -> None:
    """/menu: the menu under the message field."""
    user_id, chat_id = ids(update)
    await actions.show_keyboard(context, chat_id, await language_for(context, user_id))


async def run(update: Update, context: Context, lang: str, action: str) -> None:
    """Do one main action, as its command would."""
    user_id, chat_id = ids(update)
    if action == actions.ISSUE:
        await issuing.begin(context, user_id, chat_id, lang)
    elif action == actions.INVOICES:
        await inbox.invoices_command(update, context)
    elif action == actions.SALES:
        await sales.command(update, context)
    elif action == actions.STATUS:
        await status.command(update, context)
    elif action == actions.SETTINGS:
        await settings.show(context, user_id, chat_id, lang)
    elif action == actions.HELP:
        await show_help(context, chat_id, user_id, lang)
    elif action == actions.CONNECT:
        await onboarding.start(update, context)


async def _guarded(update: Update, context: Context, lang: str, action: str) -> None:
    """The action, unless it would replace the dialogue in progress: then finish-or-stop, and the
    question again."""
    user_id, chat_id = ids(update)
    if action in actions.STARTS_DIALOGUE:
        dialog = await context.services.dialogs.get(chat_id)
        if dialog is not None:
            await send(context, chat_id, t(lang, "mn.busy"), actions.stop_and(lang, action))
            await reask(context, chat_id, user_id, lang, dialog)
            return
    await run(update, context, lang, action)


async def on_label(update: Update, context: Context) -> None:
    """A tap on the menu under the message field (its label arrives as text)."""
    message = update.effective_message
    action = actions.action_of_label(message.text if message else None)
    if action is None:  # the filter let it through, so only a changed text gets here
        return
    user_id, _ = ids(update)
    await _guarded(update, context, await language_for(context, user_id), action)


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``mn:go:<action>`` (the main actions under a message) and ``mn:stop:<action>`` (leave the
    dialogue in progress, then do the action)."""
    _, chat_id = ids(update)
    action = pressed.words[0]
    if action not in actions.ACTIONS:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if pressed.action == "stop":
        await context.services.dialogs.clear(chat_id)
        await run(update, context, lang, action)
        return
    await _guarded(update, context, lang, action)


def known_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> frozenset[str]:
    """Every command some handler of the application answers (lowercase, without the slash)."""
    names: set[str] = set()
    for group in application.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                names.update(handler.commands)
    return frozenset(names)


def command_of(text: str) -> str:
    """``/Wystaw@ksef_bot 123`` → ``wystaw``."""
    return text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() if text.strip() else ""


async def on_unknown_command(update: Update, context: Context) -> None:
    """A command no handler knows: said so, then the main actions (in a dialogue, its question)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if command_of(message.text) in known_commands(context.application):
        return  # answered by its own handler (this one runs in a later group, after every other)
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    shown = esc(clip(message.text.split(maxsplit=1)[0], 40))
    dialog = await context.services.dialogs.get(chat_id)
    if dialog is not None:
        await send(context, chat_id, t(lang, "mn.unknown_in_dialog", command=shown))
        await reask(context, chat_id, user_id, lang, dialog)
        return
    lead = t(lang, "mn.unknown_command", command=shown)
    await actions.show_idle(context, chat_id, user_id, lang, lead=lead)
