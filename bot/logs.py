"""Logging setup with a redacting filter: no bot token, KSeF token, password or key in any log line."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TextIO

# The bot token as it appears in Bot API URLs ("/bot123456:AA…/sendMessage"), also URL-encoded
# ("%3A" in file download URLs), or alone.
_BOT_TOKEN = re.compile(r"\d{5,}(?::|%3A|%3a)[A-Za-z0-9_-]{30,}")
# A KSeF token: "<reference>|<context>|<hex secret>" (DIGEST 4.3).
_KSEF_TOKEN = re.compile(r"\d{8}-[A-Z]{2}-[0-9A-F-]+\|[^|\s]+\|[0-9A-Za-z]+")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL)
REDACTED = "[REDACTED]"


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with secrets replaced by ``[REDACTED]``.

    Known shapes are caught by pattern; literal secrets (the bot token, the master key) are added
    with :meth:`add_secret`.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._literals = {s for s in secrets if s and len(s) >= 6}

    def add_secret(self, secret: str) -> None:
        if secret and len(secret) >= 6:
            self._literals.add(secret)

    def redact(self, text: str) -> str:
        for literal in self._literals:
            text = text.replace(literal, REDACTED)
        text = _BOT_TOKEN.sub(REDACTED, text)
        text = _KSEF_TOKEN.sub(REDACTED, text)
        return _PEM.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            record.exc_info = None  # the handler prints exc_text, already redacted
        return True


def setup_logging(level: int | str = logging.INFO, *, secrets: Iterable[str] = (),
                  stream: TextIO | None = None) -> RedactingFilter:
    """Configure the root logger once for the bot: one stream handler that redacts secrets.

    httpx and httpcore are held at WARNING: at INFO httpx logs every request URL, and Bot API URLs
    contain the bot token. python-telegram-bot is held at INFO or above: its DEBUG lines print whole
    updates and API parameters, i.e. what users typed (a pasted KSeF token or password included,
    before the bot deletes the message). Patterns cannot recognise a password, so those lines must
    not be produced at all.
    """
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_ksef_bot", False)]:
        root.removeHandler(old)
    handler._ksef_bot = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    logging.getLogger("telegram").setLevel(max(int(numeric), logging.INFO))
    return redactor
