"""A notice the bot sends on its own (a supplier's invoice) may land in the middle of a dialogue: the
dialogue stays where it was (its state is stored), and its question is asked again below the notice so
the user sees what the bot still waits for."""

from __future__ import annotations

from bot.chat.common import language
from bot.chat.context import BotApplication, BotContext
from bot.chat.reask import reask


def install(application: BotApplication) -> None:
    """After the outbox sends a chat an interrupting notice (``bot.chat.delivery.INTERRUPTING``), ask that
    chat's open question again."""

    async def reask_after(chat_id: int) -> None:
        # Private chats only (the handlers take no others): the chat id is the user's id.
        context = BotContext(application, chat_id=chat_id, user_id=chat_id)
        dialog = await context.services.dialogs.get(chat_id)
        if dialog is None:
            return  # nothing waits for an answer: the notice stands alone
        await reask(context, chat_id, chat_id, await language(context, chat_id), dialog)

    application.runtime.outbox.after_interruption = reask_after
