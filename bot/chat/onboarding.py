"""``/start``: the choice of login (KSeF certificate or token); the token guide, then the NIP and the token
(deleted at once), checked with KSeF for real."""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import actions, cert_login, guide, invitations
from bot.chat.callbacks import Pressed, Spec
from bot.chat.common import Context, delete_message, display_env, error_text, ids, language, send
from bot.i18n import esc, fmt_date, t
from bot.services.connect import parse_nip
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.inbox import REQUEUE_DAYS
from bot.services.token_dates import LIMITED_UNTIL, token_days_left, tokens_ended

log = logging.getLogger(__name__)

# Errors after which the dialogue goes back to the NIP question instead of asking for the token again.
# The dialogue's step while the /start message waits for the choice of login.
CHOOSE = "choose"
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
    """/start: introduction and the choice of login (certificate or token); ``/start inv_<code>`` accepts
    an invitation."""
    user_id, chat_id = ids(update)
    svc = context.services
    # /start is what a user sends after unblocking the bot (Telegram also tells us: on_my_chat_member)
    await resume(context, user_id, chat_id)
    if context.args and context.args[0].startswith("inv_"):
        await invitations.accept_invitation(update, context, context.args[0])
        return
    lang = await language(context, user_id)
    await svc.dialogs.clear(chat_id)
    if await actions.connected(context, user_id):
        # A connected user's /start (a Telegram habit, or to add a company): the menu under the message
        # field first (users from before it existed get it here), then the choice for another company.
        await actions.show_keyboard(context, chat_id, lang)
    dialog = Dialog("token", CHOOSE)
    await svc.dialogs.set(chat_id, user_id, dialog)
    await show_choice(context, chat_id, lang)


async def show_choice(context: Context, chat_id: int, lang: str) -> None:
    """The login choice: a KSeF certificate (lasts) or a token (ends with 2026, days left computed);
    from 1 Jan 2027 only the certificate is offered."""
    now = context.services.clock()
    if tokens_ended(now):
        buttons = [[InlineKeyboardButton(t(lang, "btn.choose_cert"), callback_data="ob:cert")]]
        await send(context, chat_id, t(lang, "welcome_tokens_ended"), InlineKeyboardMarkup(buttons))
        return
    text = t(lang, "welcome", until=fmt_date(lang, LIMITED_UNTIL), days_left=days_left_text(lang, now))
    buttons = [
        [InlineKeyboardButton(t(lang, "btn.choose_cert"), callback_data="ob:cert")],
        [InlineKeyboardButton(t(lang, "btn.choose_token"), callback_data="ob:token")],
        [InlineKeyboardButton(t(lang, "btn.have_token"), callback_data="ob:have")],
    ]
    await send(context, chat_id, text, InlineKeyboardMarkup(buttons))


def days_left_text(lang: str, now: datetime) -> str:
    """"zostało 27 dni" / "27 days left": the days tokens still work, from the clock."""
    return t(lang, "days_left", days=token_days_left(now))


ACTIONS: dict[str, Spec] = {"cert": (), "token": (), "have": ()}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``ob:cert`` (the certificate login guide), ``ob:token`` (the token guide) or ``ob:have`` (straight
    to the NIP). Pressed on any earlier /start message too: the user's choice, started afresh."""
    user_id, chat_id = ids(update)
    svc = context.services
    if pressed.action == "cert":
        await cert_login.begin(context, user_id, chat_id, lang)
        return
    if tokens_ended(svc.clock()):  # an old /start message: tokens are over now
        await send(context, chat_id, t(lang, "tokens_over"),
                   InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "btn.choose_cert"),
                                                               callback_data="ob:cert")]]))
        return
    await svc.dialogs.clear(chat_id)
    dialog = Dialog("token", "guide:0" if pressed.action == "token" else "nip")
    await svc.dialogs.set(chat_id, user_id, dialog)
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
    if dialog.step == CHOOSE:  # the choice is made with its buttons: show them again, at the bottom
        await show_choice(context, chat_id, lang)
        return
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
        environment = esc(display_env(lang, result.environment))
        # One message says it all (connected, until when the token works and how many days are left,
        # the way to a certificate, what next): no second or third notice about the same end.
        parts = [t(lang, key, nip=result.nip, environment=environment)]
        markup = None
        if result.valid_until is not None:
            parts.append(t(lang, "token_limited", until=fmt_date(lang, result.valid_until),
                           days_left=days_left_text(lang, svc.clock())))
            markup = cert_login.switch_button(lang)
        parts.append(t(lang, "after_connect"))
        await send(context, chat_id, "\n\n".join(parts), markup)
        return
    await send(context, chat_id, t(lang, "use_buttons"))
