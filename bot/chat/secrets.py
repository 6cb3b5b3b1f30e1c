"""Secrets the user put into the chat by mistake: a KSeF token pasted anywhere, a private key file sent
at any step (or outside any dialogue), a key's password typed where a name or a file was expected.
Each is deleted from the chat at once and the user is told why.

What "password-shaped" means: a password has no shape, but while a certificate dialogue holds the
uploaded ``.key``, any text that opens that key IS its password — tried off the event loop within the
key-cost bounds of ``ksef.certs``. Nothing else is guessed, so an ordinary name is never deleted.
"""

from __future__ import annotations

import logging
import re
from pathlib import PurePosixPath

from telegram import Document

from bot.chat.common import Context, delete_message, send
from bot.i18n import t
from bot.services.dialogs import Dialog
from ksef import certs

log = logging.getLogger(__name__)

# A KSeF token is ``<reference>|<context>-<identifier>|<secret>`` (e.g.
# ``20261123-EC-7CBF7966BF-33C0E12342-CB|nip-3426513559|00d5…``); its reference number and its hex secret
# are recognised on their own too.
_TOKEN = re.compile(r"\b\d{8}-[A-Z]{2}-[0-9A-F]{10}-[0-9A-F]{10}-[0-9A-F]{2}\b"
                    r"|\|[A-Za-z]+-[^|\s]+\|"
                    r"|\b[0-9a-fA-F]{64}\b")
# Files that hold a private key by their name (the portal's ``.key``; PEM and PKCS#8/#12 containers).
KEY_SUFFIXES = frozenset({".key", ".pem", ".p8", ".pk8", ".p12", ".pfx"})
_KEY_MARKERS = (b"PRIVATE KEY-----",)
# Flows whose dialogue keeps an uploaded ``.key`` until the password step.
KEY_FLOWS = frozenset({"cert", "auth"})


def has_token(text: str) -> bool:
    """The text holds a KSeF token (or its reference number or secret)."""
    return bool(_TOKEN.search(text))


def key_named(document: Document) -> bool:
    """A document whose name says it holds a private key."""
    return PurePosixPath((document.file_name or "").lower()).suffix in KEY_SUFFIXES


def holds_private_key(data: bytes) -> bool:
    """File content with a private key in it (PEM), whatever the file is called."""
    return any(marker in data for marker in _KEY_MARKERS)


async def remove(context: Context, chat_id: int, message_id: int, lang: str, what: str) -> None:
    """Delete the message and say why (``what``: ``token``, ``key``, ``password``, ``photo``)."""
    await send(context, chat_id, await delete(context, chat_id, message_id, lang, what))


async def delete(context: Context, chat_id: int, message_id: int, lang: str, what: str) -> str:
    """Delete the message; the text saying why (to be sent, alone or with another answer)."""
    deleted = await delete_message(context, chat_id, message_id)
    text = t(lang, f"secret.{what}_removed")
    return text if deleted else text + "\n" + t(lang, "secret.delete_failed")


async def opens_uploaded_key(context: Context, chat_id: int, dialog: Dialog | None, text: str) -> bool:
    """Whether ``text`` is the password of the ``.key`` this chat's certificate dialogue holds."""
    if dialog is None or dialog.flow not in KEY_FLOWS or dialog.step == "password" or not text.strip():
        return False
    key = await context.services.dialogs.get_upload(chat_id, "key")
    if key is None:
        return False
    try:
        await certs.load_private_key_async(key, text)
    except certs.CertificateError:
        return False  # wrong password, or a key that cannot be opened at all: not a password then
    return True
