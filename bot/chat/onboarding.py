"""``/start``: the token guide, then the NIP and the token (deleted at once), checked with KSeF for real."""

from __future__ import annotations

import logging

from telegram import Update

from bot.chat import cert_login, guide, invitations
from bot.chat.common import Context, delete_message, display_env, error_text, ids, language, send
from bot.i18n import esc, fmt_date, t
from bot.services.connect import parse_nip
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.inbox import REQUEUE_DAYS

log = logging.getLogger(__name__)

# Errors after which the dialogue goes back to the NIP question instead of asking for the token again.
BACK_TO_NIP = {"nip_mismatch", "company_taken", "not_owner", "nip_format", "nip_checksum"}


def looks_like_token(text: str) -> bool:
    """A pasted KSeF token (``ref|nip-…|hex``) or anything long with no spaces: never leave it in chat."""
    stripped = text.strip()
    return "|" in stripped or (len(stripped) > 40 and " " not in stripped)


async def resume(context: Context, user_id: int, chat_id: int) -> None:
    """The user is reachable again: the shared sender accepts his chat again (it refuses chats that
    answered 403), notifications resume and the ones he missed are queued (told once)."""
    context.runtime.unblock(chat_id)
    resumed = await context.services.inbox.resume_user(user_id)
    if resumed is not None:
        lang = await language(context, user_id)
        await send(context, chat_id, t(lang, "in.resumed", count=resumed, days=REQUEUE_DAYS) if resumed
                   else t(lang, "in.resumed_none"))


async def on_my_chat_member(update: Update, context: Context) -> None:
    """Telegram reports the user blocking (``kicked``) or unblocking (``member``) the bot in his private
    chat: pause at once instead of learning it from a refused message; resume without waiting for /start."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    chat_id, user_id = change.chat.id, change.from_user.id
    status = change.new_chat_member.status
    if status == "kicked":
        await context.services.inbox.pause_chat(chat_id)
    elif status == "member" and change.old_chat_member.status == "kicked":
        await resume(context, user_id, chat_id)


async def start(update: Update, context: Context) -> None:
    """/start: introduction and step 1 of the guide; ``/start inv_<code>`` accepts an invitation."""
    user_id, chat_id = ids(update)
    svc = context.services
    # /start is what a user sends after unblocking the bot (Telegram also tells us: on_my_chat_member)
    await resume(context, user_id, chat_id)
    if context.args and context.args[0].startswith("inv_"):
        await invitations.accept_invitation(update, context, context.args[0])
        return
    lang = await language(context, user_id)
    await svc.dialogs.clear(chat_id)
    dialog = Dialog("token", "guide:0")
    await svc.dialogs.set(chat_id, user_id, dialog)
    await send(context, chat_id, t(lang, "welcome"))
    await guide.show(context, chat_id, lang, dialog)


async def begin_replace(context: Context, user_id: int, chat_id: int, lang: str, nip: str) -> None:
    """Start the token step for a company already connected (the /ksef "replace token" button)."""
    dialog = Dialog("token", "token", {"nip": nip, "replace": True})
    await context.services.dialogs.set(chat_id, user_id, dialog)
    await guide.show(context, chat_id, lang, dialog)


async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """Typed input while the token dialogue waits for the NIP or the token."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services
    text = update.effective_message.text
    if dialog.step == "nip":
        if looks_like_token(text):
            if not await delete_message(context, chat_id, update.effective_message.message_id):
                await send(context, chat_id, t(lang, "token_deleted_failed"))
            await send(context, chat_id, t(lang, "token_too_early"))
            return
        try:
            nip = parse_nip(text)
            await svc.connect.check_nip_available(user_id, nip)
        except ServiceError as exc:
            await send(context, chat_id, error_text(lang, exc))
            return
        dialog = Dialog("token", "token", {**dialog.data, "nip": nip})
        await svc.dialogs.set(chat_id, user_id, dialog)
        await guide.show(context, chat_id, lang, dialog)
        return
    if dialog.step == "token":
        # Delete first: the token must not stay in the chat whatever happens next.
        if not await delete_message(context, chat_id, update.effective_message.message_id):
            await send(context, chat_id, t(lang, "token_deleted_failed"))
        await send(context, chat_id, t(lang, "checking_token"))
        try:
            result = await svc.connect.connect_token(user_id, chat_id, dialog.data["nip"], text)
        except ServiceError as exc:
            await send(context, chat_id, error_text(lang, exc))
            if exc.code in BACK_TO_NIP and not dialog.data.get("replace"):
                back = Dialog("token", "nip", {})
                await svc.dialogs.set(chat_id, user_id, back)
                await guide.show(context, chat_id, lang, back)
            return
        await svc.dialogs.clear(chat_id)
        key = "connected_replaced" if result.replaced else "connected"
        environment = esc(display_env(result.environment))
        # One message says it all (connected, how long the token lasts, what next): fewer pings.
        parts = [t(lang, key, nip=result.nip, environment=environment)]
        markup = None
        if result.valid_until is not None:
            parts.append(t(lang, "token_limited", until=fmt_date(lang, result.valid_until)))
            # Tokens end with 2026 (docs/ksef.md#authentication): offer the certificate login right away
            # (reminders follow).
            parts.append(t(lang, "auth.switch_offer"))
            markup = cert_login.switch_button(lang)
        parts.append(t(lang, "after_connect"))
        await send(context, chat_id, "\n\n".join(parts), markup)
        return
    await send(context, chat_id, t(lang, "use_buttons"))
