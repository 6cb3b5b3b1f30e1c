"""What the bot expects now: the current question of the chat's dialogue, asked again (after input it
could not use: a sticker, a photo, an edit of an older message, a secret it removed)."""

from __future__ import annotations

from bot.chat import actions, corrections, guide, issuing, onboarding, payables, profile, sales
from bot.chat.common import Context, send
from bot.i18n import t
from bot.services.dialogs import Dialog


async def reask(context: Context, chat_id: int, user_id: int, lang: str, dialog: Dialog | None) -> None:
    """Send the dialogue's current question (with its buttons); outside any dialogue, what can be done."""
    if dialog is None:
        await actions.show_idle(context, chat_id, user_id, lang)
    elif dialog.flow == "token" and dialog.step == onboarding.CHOOSE:
        await onboarding.show_choice(context, chat_id, lang)
    elif dialog.flow in guide.GUIDE_STEPS and (guide.guide_index(dialog.step) is not None
                                               or dialog.step in guide.PROMPTS):
        await guide.show(context, chat_id, lang, dialog)
    elif dialog.flow == issuing.FLOW:
        await issuing.reask(context, chat_id, user_id, lang, dialog)
    elif dialog.flow == profile.FLOW and (dialog.step in profile.STEPS or dialog.step == "prices"):
        await profile.reask(context, chat_id, lang, dialog)
    elif dialog.flow == sales.FLOW and dialog.step == "search":
        await send(context, chat_id, t(lang, "sa.ask_search"))
    elif ((dialog.flow == corrections.FLOW and dialog.step in corrections.TYPED_STEPS)
          or (dialog.flow == sales.FLOW and dialog.step == "payment")
          or (dialog.flow == payables.FLOW and dialog.step == payables.STEP)):
        # The question names the invoice or the position; the user has it just above.
        await send(context, chat_id, t(lang, "input.answer_above"))
    else:  # a step answered with buttons (e.g. the offline certificate's confirmation)
        await send(context, chat_id, t(lang, "use_buttons"))


def waits_for_file(dialog: Dialog | None) -> bool:
    """The dialogue waits for a ``.key`` or ``.cert`` file."""
    return dialog is not None and dialog.flow in ("cert", "auth") and dialog.step in ("key", "cert")
