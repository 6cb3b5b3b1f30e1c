"""Routing of typed text, files and buttons by the chat's persisted dialogue; ``/cancel`` everywhere."""

from __future__ import annotations

import logging

from telegram import Document, Update
from telegram.error import TelegramError

from bot.chat import (
    actions,
    cert_login,
    certificates,
    companies,
    corrections,
    forget,
    guide,
    inbox,
    issuing,
    language,
    menu,
    month,
    onboarding,
    pay,
    payables,
    profile,
    sales,
    sales_buttons,
    secrets,
    settings,
    status,
)
from bot.chat.callbacks import Buttons, Field, Parsed, Pressed, Spec
from bot.chat.common import Context, delete_message, ids, send
from bot.chat.common import language as language_for
from bot.chat.reask import reask, waits_for_file
from bot.i18n import t
from bot.services.certificates import MAX_FILE_BYTES
from bot.services.dialogs import Dialog

log = logging.getLogger(__name__)

# Dialogues that connect a company: the one that connects the user's first company ends with the menu.
CONNECTING = ("token", cert_login.FLOW)


async def cancel(update: Update, context: Context) -> None:
    """/cancel (/anuluj): leave any dialogue; files received so far are deleted with it."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    if await context.services.dialogs.clear(chat_id):
        await send(context, chat_id, t(lang, "cancelled"))
    else:
        await actions.show_idle(context, chat_id, user_id, lang)


async def on_text(update: Update, context: Context) -> None:
    """Typed text (or a refused answer edited): secrets are removed first, then the dialogue's step
    takes it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    dialog = await context.services.dialogs.get(chat_id)
    if await secret_removed(context, user_id, chat_id, lang, dialog, message.message_id, message.text):
        return
    if dialog is None:
        if onboarding.looks_like_token(message.text):
            await delete_message(context, chat_id, message.message_id)
        if menu.asks_for_help(message.text):
            await menu.show_help(context, chat_id, user_id, lang)
        else:
            await actions.show_idle(context, chat_id, user_id, lang)
        return
    connecting = dialog.flow in CONNECTING and not await actions.connected(context, user_id)
    if guide.guide_index(dialog.step) is not None:
        await send(context, chat_id, t(lang, "use_buttons"))
    elif dialog.flow == "token":
        await onboarding.on_text(update, context, dialog, lang)
    elif dialog.flow == "cert":
        await certificates.on_text(update, context, dialog, lang)
    elif dialog.flow == cert_login.FLOW:
        await cert_login.on_text(update, context, dialog, lang)
    elif dialog.flow == issuing.FLOW:
        await issuing.on_text(update, context, dialog, lang)
    elif dialog.flow == profile.FLOW:
        await profile.on_text(update, context, dialog, lang)
    elif dialog.flow == corrections.FLOW:
        await corrections.on_text(update, context, dialog, lang)
    elif dialog.flow == sales.FLOW:
        await sales.on_text(update, context, dialog, lang)
    elif dialog.flow == payables.FLOW:
        await payables.on_text(update, context, dialog, lang)
    after = await context.services.dialogs.get(chat_id)
    context.runtime.refused.note(chat_id, message.message_id, dialog, after)
    if connecting and after is None and await actions.connected(context, user_id):
        await actions.show_keyboard(context, chat_id, lang)  # the first company: the menu from now on


async def secret_removed(context: Context, user_id: int, chat_id: int, lang: str, dialog: Dialog | None,
                         message_id: int, text: str) -> bool:
    """A KSeF token, or the password of the uploaded key, where neither was asked for: deleted, the user
    told why and asked the current question again. True when that happened."""
    asks_token = dialog is not None and dialog.flow == "token" and dialog.step in ("nip", "token")
    if not asks_token and secrets.has_token(text):
        what = "token"
    elif await secrets.opens_uploaded_key(context, chat_id, dialog, text):
        what = "password"
    else:
        return False
    await secrets.remove(context, chat_id, message_id, lang, what)
    if dialog is not None:
        await reask(context, chat_id, user_id, lang, dialog)
    return True


async def on_document(update: Update, context: Context) -> None:
    """A file: the ``.key``/``.cert`` a certificate dialogue waits for; anywhere else a private key is
    deleted at once, and any other file gets the current question again."""
    message = update.effective_message
    assert message is not None and message.document is not None
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    dialog = await context.services.dialogs.get(chat_id)
    if dialog is not None and waits_for_file(dialog):
        if dialog.flow == "cert":
            await certificates.on_document(update, context, dialog, lang)
        else:
            await cert_login.on_document(update, context, dialog, lang)
        return
    if await _holds_key(message.document):
        await secrets.remove(context, chat_id, message.message_id, lang, "key")
        await reask(context, chat_id, user_id, lang, dialog)
        return
    if dialog is None:
        await actions.show_idle(context, chat_id, user_id, lang)
        return
    await send(context, chat_id, t(lang, "input.file_not_needed"))
    await reask(context, chat_id, user_id, lang, dialog)


async def _holds_key(document: Document) -> bool:
    """A private key by its name, or (a file small enough to be one) by its content."""
    if secrets.key_named(document):
        return True
    if document.file_size is None or document.file_size > MAX_FILE_BYTES:
        return False
    try:
        data = bytes(await (await document.get_file()).download_as_bytearray())
    except TelegramError as exc:
        log.info("document not checked for a key: %s", type(exc).__name__)
        return False
    return secrets.holds_private_key(data)


GUIDE_ACTIONS: dict[str, Spec] = {"stop": (), **{action: (Field.WORD, Field.STEP)
                                                  for action in ("next", "back", "skip")}}


def buttons() -> Buttons:
    """Every button prefix of the bot with the actions it makes (see :mod:`bot.chat.callbacks`)."""
    registry = Buttons()
    registry.register("g", GUIDE_ACTIONS, on_guide_button)
    registry.register("co", companies.ACTIONS, companies.on_callback)
    registry.register("fg", forget.ACTIONS, forget.on_callback)
    registry.register("lang", language.ACTIONS, language.on_callback)
    registry.register("in", inbox.ACTIONS, inbox.on_callback)
    registry.register("iv", issuing.ACTIONS, issuing.on_callback)
    registry.register("av", status.ACTIONS, status.on_callback)
    registry.register("ac", cert_login.ACTIONS, cert_login.on_callback)
    registry.register("pf", profile.ACTIONS, profile.on_callback)
    # The sales register's and the correction dialogue's data carry filters and free search text: typed
    # by their own parser (``bot.chat.sales_buttons``).
    registry.register_parser("sa", Parsed[sales_buttons.Action](sales_buttons.parse, sales.on_callback))
    registry.register_parser("kr", Parsed[sales_buttons.Action](sales_buttons.parse, corrections.on_callback))
    registry.register("pb", payables.ACTIONS, payables.on_callback)
    registry.register("mo", month.ACTIONS, month.on_callback)
    registry.register("mn", menu.ACTIONS, menu.on_callback)
    registry.register("se", settings.ACTIONS, settings.on_callback)
    registry.register("py", pay.ACTIONS, pay.on_callback)
    registry.register("ob", onboarding.ACTIONS, onboarding.on_callback)
    return registry


async def on_callback(update: Update, context: Context) -> None:
    """A button press: parsed once into typed values; malformed or unknown data is a stale button."""
    query = update.callback_query
    assert query is not None
    try:
        await query.answer()
    except TelegramError as exc:  # e.g. "query is too old" after a restart: still act on the press
        log.info("callback query not answered: %s", type(exc).__name__)
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    routed = BUTTONS.route(query.data)
    if routed is None:
        log.info("stale or malformed button %r", (query.data or "")[:12])
        await send(context, chat_id, t(lang, "stale_button"))
        return
    await routed(update, context, lang)


async def on_guide_button(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``g:stop`` or ``g:<next|back|skip>:<flow>:<step>`` (ignored unless the chat is at that step)."""
    user_id, chat_id = ids(update)
    svc = context.services
    if pressed.action == "stop":
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "cancelled"))
        return
    action, (flow, step) = pressed.action, pressed.words
    dialog = await svc.dialogs.get(chat_id)
    if dialog is None or dialog.flow != flow or dialog.step != step:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    in_guide = flow in guide.GUIDE_STEPS and guide.guide_index(step) is not None
    if action == "next" and in_guide:
        new_step: str | None = guide.next_step(flow, step)
    elif action == "skip" and in_guide:
        new_step = guide.AFTER_GUIDE[flow]
    elif action == "back":
        new_step = guide.previous_step(flow, step)
    else:
        new_step = None
    if new_step is None:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    moved = Dialog(flow, new_step, dialog.data)
    await svc.dialogs.set(chat_id, user_id, moved)
    # The guide is one message turned page by page: the pressed step becomes the next one.
    pressed_message = update.callback_query.message if update.callback_query is not None else None
    await guide.show(context, chat_id, lang, moved,
                     edit=pressed_message.message_id if pressed_message is not None else None)


BUTTONS = buttons()
