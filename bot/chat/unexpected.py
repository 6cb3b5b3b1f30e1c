"""Input the dialogue cannot use as it is: stickers, photos, voice, locations… and edited messages.

Each gets a short answer saying what the bot expects now, followed by the current question again.

Edits, case by case:

* the edit of the chat's last typed answer that was refused (e.g. a mistyped NIP) while that question
  still stands is taken as the new answer: it is what the user meant to send;
* any other edit (an answer already taken, a command, text outside a dialogue) changes nothing — a
  stored answer, an issued invoice or a command already run are never redone behind the user's back —
  and the user is told so (send it again as a new message);
* edits that carry a secret are deleted like any message with one;
* live location updates (Telegram edits the location message every few seconds while it is shared)
  are left unanswered: the location message itself got its answer.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.chat import dialog as routing
from bot.chat import secrets
from bot.chat.common import Context, ids, send
from bot.chat.common import language as language_for
from bot.chat.reask import reask, waits_for_file
from bot.i18n import t
from bot.services.dialogs import Dialog

# Steps whose photo may show the secret being asked for (a screenshot of the key, token or password).
SECRET_STEPS = frozenset({("token", "token"), ("cert", "key"), ("auth", "key"), ("cert", "password"),
                          ("auth", "password")})


async def on_other(update: Update, context: Context) -> None:
    """A message that is neither text nor a file: a sticker, photo, voice, video, location, contact, poll…"""
    message = update.effective_message
    if message is None:
        return
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    dialog = await context.services.dialogs.get(chat_id)
    if message.caption and secrets.has_token(message.caption):
        await secrets.remove(context, chat_id, message.message_id, lang, "token")
        await reask(context, chat_id, user_id, lang, dialog)
        return
    if message.photo and waits_for_file(dialog):
        text = t(lang, "input.photo_not_file")
    elif waits_for_file(dialog):
        text = t(lang, "expect_document")
    else:
        text = t(lang, "input.not_text")
    if message.photo and dialog is not None and (dialog.flow, dialog.step) in SECRET_STEPS:
        text = await secrets.delete(context, chat_id, message.message_id, lang, "photo") + "\n" + text
    await send(context, chat_id, text)
    await reask(context, chat_id, user_id, lang, dialog)


async def on_edited(update: Update, context: Context) -> None:
    """An edited message (see the module docstring for what each case gets)."""
    message = update.edited_message
    if message is None or _live_location(message):
        return
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    dialog = await context.services.dialogs.get(chat_id)
    text = message.text or message.caption or ""
    if message.text is not None and context.runtime.refused.is_refused(chat_id, message.message_id, dialog):
        await routing.on_text(update, context)  # the corrected answer to the question that still stands
        return
    if text and await routing.secret_removed(context, user_id, chat_id, lang, dialog, message.message_id,
                                             text):
        return
    await _not_taken(context, user_id, chat_id, lang, dialog)


async def _not_taken(context: Context, user_id: int, chat_id: int, lang: str, dialog: Dialog | None) -> None:
    if dialog is None:
        await send(context, chat_id, t(lang, "edit.outside"))
        return
    await send(context, chat_id, t(lang, "edit.old_answer"))
    await reask(context, chat_id, user_id, lang, dialog)


def _live_location(message: Message) -> bool:
    # Read as serialised: PTB's ``live_period`` attribute itself is deprecated (it becomes a timedelta).
    return message.location is not None and "live_period" in message.location.to_dict()
