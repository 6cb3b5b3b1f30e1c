"""Registers every handler on the Application (commands in Polish and English)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.chat import (
    cert_login,
    certificates,
    companies,
    dialog,
    forget,
    inbox,
    interruptions,
    issuing,
    language,
    menu,
    month,
    onboarding,
    payables,
    profile,
    sales,
    settings,
    status,
    unexpected,
)
from bot.chat.common import Context, send
from bot.chat.common import language as language_of_user
from bot.chat.context import BotApplication
from bot.i18n import t

log = logging.getLogger(__name__)

UNKNOWN_COMMANDS_GROUP = 1


def register(application: BotApplication) -> None:
    """Every command, message, button and chat-member handler, and the error handler."""
    # New messages only: an edited message (commands included) goes to ``unexpected.on_edited``, which
    # decides whether it can be taken (PTB would otherwise hand edits to the same handlers).
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE,
                                           unexpected.on_edited))
    application.add_handler(CommandHandler("start", onboarding.start, filters=private))
    application.add_handler(CommandHandler(["cancel", "anuluj"], dialog.cancel, filters=private))
    application.add_handler(CommandHandler(["ksef", "firmy"], companies.command, filters=private))
    application.add_handler(CommandHandler(["certificate", "certyfikat"], certificates.command,
                                           filters=private))
    application.add_handler(CommandHandler(["forget", "zapomnij"], forget.command, filters=private))
    application.add_handler(CommandHandler(["language", "jezyk"], language.command, filters=private))
    application.add_handler(CommandHandler(["wystaw", "invoice"], issuing.command, filters=private))
    application.add_handler(CommandHandler(["profil", "profile"], profile.command, filters=private))
    application.add_handler(CommandHandler(["faktury", "invoices"], inbox.invoices_command, filters=private))
    application.add_handler(CommandHandler(["sprzedaz", "wystawione", "sales"], sales.command,
                                           filters=private))
    application.add_handler(CommandHandler(["powiadomienia", "notifications"], inbox.notifications_command,
                                           filters=private))
    application.add_handler(CommandHandler(["cisza", "quiet"], inbox.quiet_command, filters=private))
    application.add_handler(CommandHandler("status", status.command, filters=private))
    application.add_handler(CommandHandler(["certlogin", "logowanie"], cert_login.command, filters=private))
    application.add_handler(CommandHandler(["offline", "certyfikat_offline"], cert_login.offline_command,
                                           filters=private))
    application.add_handler(CommandHandler(["platnosci", "payables"], payables.command, filters=private))
    application.add_handler(CommandHandler(["przypomnienia", "reminders"], payables.reminders_command,
                                           filters=private))
    application.add_handler(CommandHandler(["miesiac", "month"], month.command, filters=private))
    application.add_handler(CommandHandler(["pomoc", "help"], menu.help_command, filters=private))
    application.add_handler(CommandHandler("menu", menu.menu_command, filters=private))
    application.add_handler(CommandHandler(["ustawienia", "settings"], settings.command, filters=private))
    # A tap on the menu under the message field arrives as its label: before the dialogue's text handler.
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND & menu.MENU_LABEL,
                                           menu.on_label))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, dialog.on_text))
    application.add_handler(MessageHandler(private & filters.Document.ALL, dialog.on_document))
    application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.Document.ALL
                                           & ~filters.StatusUpdate.ALL, unexpected.on_other))
    application.add_handler(CallbackQueryHandler(dialog.on_callback))
    application.add_handler(ChatMemberHandler(onboarding.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    # Commands nobody answers: in a later group, so it sees every command after group 0 had its turn and
    # does not depend on being registered last (``menu.on_unknown_command`` skips the known ones).
    application.add_handler(MessageHandler(private & filters.COMMAND, menu.on_unknown_command),
                            group=UNKNOWN_COMMANDS_GROUP)
    application.add_error_handler(on_error)
    interruptions.install(application)


async def on_error(update: object, context: Context) -> None:
    """Log the failure without the update's content (it may hold a secret) and apologise."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(error).__name__,
              exc_info=(type(error), error, error.__traceback__) if error else None)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            user = update.effective_user
            lang = await language_of_user(context, user.id) if user else "pl"
            await send(context, update.effective_chat.id, t(lang, "error_generic"))
        except Exception:
            log.warning("could not send the error notice")
