"""JSON log lines (``KSEFBOT_LOG_FORMAT=json``): parseable, one object per line, and redacted everywhere a
secret can hide (message, arguments, ``extra`` fields, exception text)."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bot.config import ConfigError, load_settings
from bot.logs import REDACTED, setup_logging


def bot_token() -> str:
    return f"{secrets.randbelow(10**9) + 10**9}:" + secrets.token_urlsafe(30)[:35]  # made at run time


def ksef_token() -> str:
    return f"20261123-EC-{secrets.token_hex(5).upper()}-{secrets.token_hex(5).upper()}-CB|nip-3426513559|" \
        + secrets.token_hex(16)


def pem_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


class Opaque:
    """An ``extra`` value that is no JSON type: written as its ``str()``."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return f"Opaque({self.text})"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    setup_logging(logging.DEBUG, secrets=["literal-master-key-value"], stream=stream, fmt="json")
    yield stream
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    root.setLevel(saved_level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_fields(json_logs: io.StringIO) -> None:
    log = logging.getLogger("bot.test.json")
    log.info("zwykły wpis %s", "ąę", extra={"company_id": 42, "tags": ["a", "b"]})
    log.warning("drugi\nwiersz")
    first, second = lines(json_logs)
    assert first["level"] == "INFO" and first["logger"] == "bot.test.json"
    assert first["message"] == "zwykły wpis ąę"
    assert first["company_id"] == 42 and first["tags"] == ["a", "b"]
    assert str(first["ts"]).endswith("+00:00") and "T" in str(first["ts"])
    assert "exc" not in first
    assert second["message"] == "drugi\nwiersz" and second["level"] == "WARNING"
    assert len(json_logs.getvalue().splitlines()) == 2  # the newline stayed inside its JSON string


def test_secrets_redacted_in_message_args_extra_and_exception(json_logs: io.StringIO) -> None:
    token, ksef, pem = bot_token(), ksef_token(), pem_key().strip()
    log = logging.getLogger("bot.test.json")
    log.info(f"URL https://api.telegram.org/bot{token}/sendMessage")
    log.info("token %s and key %s", ksef, pem)
    log.info("extra fields", extra={"url": f"/bot{token}/getMe", "nested": {"k": [ksef]}, "obj": Opaque(pem),
                                    "master": "literal-master-key-value"})
    try:
        raise RuntimeError(f"KSeF refused {ksef} with key {pem}")
    except RuntimeError:
        log.exception("failed for %s", token)
    written = json_logs.getvalue()
    for secret in (token, token.split(":", 1)[1], ksef, ksef.rsplit("|", 1)[1], "literal-master-key-value",
                   pem.splitlines()[1], pem.splitlines()[0]):  # the header line too, taken from the key
        assert secret not in written
    plain, with_args, with_extra, with_exc = lines(json_logs)
    assert plain["message"] == f"URL https://api.telegram.org/bot{REDACTED}/sendMessage"
    assert with_args["message"] == f"token {REDACTED} and key {REDACTED}"
    assert with_extra["url"] == f"/bot{REDACTED}/getMe"
    assert with_extra["nested"] == {"k": [REDACTED]}
    assert with_extra["obj"] == f"Opaque({REDACTED})" and with_extra["master"] == REDACTED
    assert with_exc["message"] == f"failed for {REDACTED}"
    assert "RuntimeError: KSeF refused" in str(with_exc["exc"]) and REDACTED in str(with_exc["exc"])
    assert "Traceback" in str(with_exc["exc"])


def test_reserved_names_in_extra_do_not_overwrite_fields(json_logs: io.StringIO) -> None:
    logging.getLogger("bot.test.json").info("the message", extra={"level": "forged", "ts": "x"})
    [entry] = lines(json_logs)
    assert entry["level"] == "INFO" and entry["extra_level"] == "forged" and entry["extra_ts"] == "x"


def test_text_is_the_default_and_unknown_formats_are_refused() -> None:
    assert load_settings({}, env_file=None).log_format == "text"
    assert load_settings({"KSEFBOT_LOG_FORMAT": "JSON"}, env_file=None).log_format == "json"
    with pytest.raises(ConfigError, match="KSEFBOT_LOG_FORMAT"):
        load_settings({"KSEFBOT_LOG_FORMAT": "xml"}, env_file=None)
    with pytest.raises(ValueError, match="log format"):
        setup_logging(fmt="yaml", stream=io.StringIO())


@pytest.mark.parametrize("sql", [False, True])
async def test_sql_parameters_stay_out_of_debug_logs_unless_asked(tmp_path: Path, sql: bool) -> None:
    from sqlalchemy import text

    from bot.logs import SQL_LOGGERS
    from bot.store.db import Database

    stream = io.StringIO()
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    saved_sql = {name: logging.getLogger(name).level for name in SQL_LOGGERS}
    buyer = f"Zażółć Nabywca {secrets.token_hex(4)}"  # a buyer's name, as an invoice row would carry
    setup_logging(logging.DEBUG, stream=stream, sql=sql)
    try:
        db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite'}")
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE buyers (name TEXT)"))
            await conn.execute(text("INSERT INTO buyers VALUES (:name)"), {"name": buyer})
        await db.dispose()
    finally:
        for handler in list(root.handlers):
            if handler not in saved_handlers:
                root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, level in saved_sql.items():
            logging.getLogger(name).setLevel(level)
    logged = stream.getvalue()
    assert "INSERT INTO buyers" in logged or not sql  # asked for: the statements are there
    assert (buyer in logged) is sql


def test_log_sql_setting() -> None:
    assert load_settings({}, env_file=None).log_sql is False
    assert load_settings({"KSEFBOT_LOG_SQL": "1"}, env_file=None).log_sql is True
    with pytest.raises(ConfigError, match="KSEFBOT_LOG_SQL"):
        load_settings({"KSEFBOT_LOG_SQL": "maybe"}, env_file=None)
