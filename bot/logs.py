"""Logging setup with a redacting filter: no bot token, KSeF token, password or key in any log line.

Two formats: ``text`` (one human-readable line) and ``json`` (one JSON object per line for log
collectors: ``ts``, ``level``, ``logger``, ``message``, ``exc`` and the ``extra`` fields), both redacted.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

# The bot token as it appears in Bot API URLs ("/bot123456:AA…/sendMessage"), also URL-encoded
# ("%3A" in file download URLs), or alone.
_BOT_TOKEN = re.compile(r"\d{5,}(?::|%3A|%3a)[A-Za-z0-9_-]{30,}")
# A KSeF token: "<reference>|<context>|<hex secret>" (docs/ksef.md#authentication).
_KSEF_TOKEN = re.compile(r"\d{8}-[A-Z]{2}-[0-9A-F-]+\|[^|\s]+\|[0-9A-Za-z]+")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL)
REDACTED = "[REDACTED]"
LOG_FORMATS = ("text", "json")
# Loggers that print SQL statements with their parameters (buyers' names and addresses, invoice
# data, ...) and the level each is held at unless SQL logging is asked for (KSEFBOT_LOG_SQL):
# aiosqlite writes every call with its arguments at DEBUG; SQLAlchemy's engine writes statements and
# parameters at INFO and result rows at DEBUG (its pool only connection events, kept with it).
SQL_LOGGERS = {"aiosqlite": logging.INFO, "sqlalchemy.engine": logging.WARNING,
               "sqlalchemy.pool": logging.WARNING}
# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName"}


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with secrets replaced by ``[REDACTED]``.

    Known shapes are caught by pattern; literal secrets (the bot token, the master key) are added
    with :meth:`add_secret`.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._literals = {s for s in secrets if s and len(s) >= 6}

    def redact(self, text: str) -> str:
        for literal in self._literals:
            text = text.replace(literal, REDACTED)
        text = _BOT_TOKEN.sub(REDACTED, text)
        text = _KSEF_TOKEN.sub(REDACTED, text)
        return _PEM.sub(REDACTED, text)

    def redact_value(self, value: Any) -> Any:
        """``value`` with every string in it redacted (containers walked); other types unchanged."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {k: self.redact_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.redact_value(v) for v in value]
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
            record.exc_info = None  # the handler prints exc_text, already redacted
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name in extra_fields(record):
            setattr(record, name, self.redact_value(getattr(record, name)))
        return True


def extra_fields(record: logging.LogRecord) -> list[str]:
    """Names of the attributes a call added with ``extra=``."""
    return [name for name in record.__dict__ if name not in _STANDARD_ATTRS and not name.startswith("_")]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``exc``
    (when there is one) and the ``extra`` fields. Values that are not JSON types are written as text,
    passed through ``redactor`` again (their ``str()`` is only known here)."""

    _RESERVED = ("ts", "level", "logger", "message", "exc", "stack")

    def __init__(self, redactor: RedactingFilter | None = None) -> None:
        super().__init__()
        self.redactor = redactor or RedactingFilter()

    def _plain(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            return self.redactor.redact(value)
        if isinstance(value, dict):
            return {str(k): self._plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._plain(v) for v in value]
        return self.redactor.redact(str(value))

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        exc = record.exc_text
        if not exc and record.exc_info and record.exc_info[0] is not None:
            exc = self.formatException(record.exc_info)  # no RedactingFilter on this handler
        if exc:
            entry["exc"] = exc
        if record.stack_info:
            entry["stack"] = record.stack_info
        for name in extra_fields(record):
            entry[f"extra_{name}" if name in self._RESERVED else name] = getattr(record, name)
        return json.dumps(self._plain(entry), ensure_ascii=False)


def setup_logging(level: int | str = logging.INFO, *, secrets: Iterable[str] = (),
                  stream: TextIO | None = None, fmt: str = "text", sql: bool = False) -> RedactingFilter:
    """Configure the root logger once for the bot: one stream handler that redacts secrets.

    ``fmt`` is ``text`` (default) or ``json`` (``KSEFBOT_LOG_FORMAT``; see :class:`JsonFormatter`).

    httpx and httpcore are held at WARNING: at INFO httpx logs every request URL, and Bot API URLs
    contain the bot token. python-telegram-bot is held at INFO or above: its DEBUG lines print whole
    updates and API parameters, i.e. what users typed (a pasted KSeF token or password included,
    before the bot deletes the message). Patterns cannot recognise a password, so those lines must
    not be produced at all. For the same reason the loggers that print SQL parameters
    (:data:`SQL_LOGGERS`) stay above DEBUG unless ``sql`` (``KSEFBOT_LOG_SQL=1``) asks for them.
    """
    redactor = RedactingFilter(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(redactor))
    elif fmt == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    else:
        raise ValueError(f"log format must be one of {', '.join(LOG_FORMATS)}, not {fmt!r}")
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
    for name, floor in SQL_LOGGERS.items():
        logging.getLogger(name).setLevel(int(numeric) if sql else max(int(numeric), floor))
    return redactor
