"""bot.config: settings from the environment and .env, validated with clear errors."""

from __future__ import annotations

import base64
import logging
import os
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_POLL_INTERVAL,
    MIN_POLL_INTERVAL_REAL,
    ConfigError,
    load_settings,
)
from bot.logs import RedactingFilter

TOKEN = "123456789:AAE" + "x" * 32


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert settings.telegram_file_url == "https://api.telegram.org/file/bot"
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path}/data/ksefbot.sqlite"
    assert settings.ksef_env == "test"
    assert settings.ksef_environment.api_base == "https://api-test.ksef.mf.gov.pl/v2"
    assert settings.latarnia_url == "https://api-latarnia-test.ksef.mf.gov.pl"
    assert settings.poll_interval == DEFAULT_POLL_INTERVAL == 900
    assert settings.language == "pl"
    assert settings.log_level == "INFO"
    assert not settings.webhook_mode
    assert settings.master_key is None and settings.master_key_file is None


def test_environment_parsing(tmp_path: Path) -> None:
    key = os.urandom(32)
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": "http://127.0.0.1:8081/bot/",
        "DATABASE_URL": "postgresql+asyncpg://ksef:pa55@db/ksef",
        "KSEF_ENV": "http://127.0.0.1:8765",
        "KSEFBOT_MASTER_KEY": base64.b64encode(key).decode(),
        "WEBHOOK_URL": "https://bot.example.pl/tg/hook",
        "WEBHOOK_SECRET": "abc_DEF-123" * 3,
        "WEBHOOK_PORT": "8443",
        "KSEFBOT_DATA_DIR": str(tmp_path / "d"),
        "KSEFBOT_POLL_INTERVAL": "30",
        "KSEFBOT_LANGUAGE": "EN",
        "KSEFBOT_LOG_LEVEL": "debug",
        "LATARNIA_URL": "",  # empty means unset
    }, env_file=None)
    assert settings.telegram_bot_token == TOKEN
    assert settings.telegram_api_url == "http://127.0.0.1:8081/bot"
    assert settings.telegram_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.ksef_environment.name == "custom"
    assert settings.ksef_environment.api_base == "http://127.0.0.1:8765/v2"
    assert settings.latarnia_url == "http://127.0.0.1:8765/latarnia"
    assert settings.master_key == key
    assert settings.webhook_mode and settings.webhook_path == "tg/hook" and settings.webhook_port == 8443
    assert settings.poll_interval == 30  # a simulator may be polled fast
    assert settings.language == "en" and settings.log_level == "DEBUG"
    assert settings.data_dir == tmp_path / "d"


def test_env_file_and_precedence(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nKSEF_ENV=demo\nKSEFBOT_POLL_INTERVAL=1200\n"
                        "TELEGRAM_FILE_URL=http://files.local/file/bot\n")
    settings = load_settings({"KSEFBOT_POLL_INTERVAL": "1800"}, env_file=str(env_file))
    assert settings.telegram_bot_token == TOKEN
    assert settings.ksef_environment.name == "demo"
    assert settings.poll_interval == 1800  # the process environment wins over .env
    assert settings.telegram_file_url == "http://files.local/file/bot"
    assert load_settings({}, env_file=str(tmp_path / "absent.env")).ksef_env == "test"


def test_poll_interval_refused_on_real_ksef_allowed_on_url() -> None:
    with pytest.raises(ConfigError, match="KSEFBOT_POLL_INTERVAL=60 is too short for KSeF prod") as err:
        load_settings({"KSEF_ENV": "prod", "KSEFBOT_POLL_INTERVAL": "60"}, env_file=None)
    assert str(MIN_POLL_INTERVAL_REAL) in str(err.value)
    for env in ("test", "demo"):
        with pytest.raises(ConfigError):
            load_settings({"KSEF_ENV": env, "KSEFBOT_POLL_INTERVAL": str(MIN_POLL_INTERVAL_REAL - 1)},
                          env_file=None)
    assert load_settings({"KSEF_ENV": "prod", "KSEFBOT_POLL_INTERVAL": str(MIN_POLL_INTERVAL_REAL)},
                         env_file=None).poll_interval == MIN_POLL_INTERVAL_REAL
    assert load_settings({"KSEF_ENV": "http://localhost:9/v2", "KSEFBOT_POLL_INTERVAL": "5"},
                         env_file=None).poll_interval == 5
    with pytest.raises(ConfigError, match="whole number"):
        load_settings({"KSEFBOT_POLL_INTERVAL": "15m"}, env_file=None)
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings({"KSEF_ENV": "http://localhost:9", "KSEFBOT_POLL_INTERVAL": "0"}, env_file=None)


@pytest.mark.parametrize(("env", "message"), [
    ({"TELEGRAM_API_URL": "http://127.0.0.1:8081/"}, "must end with /bot"),
    ({"TELEGRAM_API_URL": "ftp://x/bot"}, "http"),
    ({"TELEGRAM_BOT_TOKEN": "not a token"}, "BotFather"),
    ({"KSEF_ENV": "staging"}, "KSEF_ENV: unknown KSeF environment"),
    ({"KSEFBOT_MASTER_KEY": "c2hvcnQ="}, "exactly 32"),
    ({"KSEFBOT_MASTER_KEY": "!!!"}, "base64"),
    ({"KSEFBOT_MASTER_KEY": base64.b64encode(b"k" * 32).decode(), "KSEFBOT_MASTER_KEY_FILE": "/k"},
     "only one"),
    ({"WEBHOOK_URL": "https://bot.example.pl/hook"}, "WEBHOOK_SECRET is required"),
    ({"WEBHOOK_URL": "https://bot.example.pl/hook", "WEBHOOK_SECRET": "zły sekret"}, "32-256"),
    ({"WEBHOOK_URL": "https://bot.example.pl/hook", "WEBHOOK_SECRET": "a" * 257}, "32-256"),
    ({"WEBHOOK_URL": "https://bot.example.pl/hook", "WEBHOOK_SECRET": "s"}, "has only 1 characters: use at "
     "least 32"),
    ({"WEBHOOK_URL": "https://bot.example.pl/hook", "WEBHOOK_SECRET": "a" * 31}, "at least 32"),
    ({"WEBHOOK_SECRET": "abc"}, "WEBHOOK_URL is not"),
    ({"WEBHOOK_URL": "https://b/h", "WEBHOOK_SECRET": "s" * 32, "WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
    ({"DATABASE_URL": "ksefbot.sqlite"}, "DATABASE_URL"),
    ({"KSEFBOT_LANGUAGE": "de"}, "KSEFBOT_LANGUAGE"),
    ({"KSEFBOT_LOG_LEVEL": "LOUD"}, "KSEFBOT_LOG_LEVEL"),
])
def test_bad_values_get_clear_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env, env_file=None)


def test_bad_master_key_not_echoed() -> None:
    value = base64.b64encode(b"secret-key-material-31-bytes!!!"[:31]).decode()
    with pytest.raises(ConfigError) as err:
        load_settings({"KSEFBOT_MASTER_KEY": value}, env_file=None)
    assert value not in str(err.value)


def test_secrets_not_in_repr() -> None:
    key = os.urandom(32)
    settings = load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "KSEFBOT_MASTER_KEY": base64.b64encode(key).decode(),
        "WEBHOOK_URL": "https://bot.example.pl/hook", "WEBHOOK_SECRET": "very_secret_value" * 2,
        "DATABASE_URL": "postgresql+asyncpg://ksef:Sup3rPass@db:5432/ksef",
    }, env_file=None)
    for text in (repr(settings), str(settings), f"{settings}"):
        for secret in (TOKEN, "AAE" + "x" * 32, base64.b64encode(key).decode(), repr(key), key.hex(),
                       "very_secret_value", "Sup3rPass"):
            assert secret not in text
        assert "postgresql+asyncpg://ksef:***@db:5432/ksef" in text
        assert "webhook_url='https://bot.example.pl/hook'" in text
    assert "telegram_bot_token=None" in repr(load_settings({}, env_file=None))


def test_log_filter_redacts_tokens() -> None:
    # Logging setup lives in bot.logs (one redacting filter for the whole bot).
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s",
                               (f"https://api.telegram.org/bot{TOKEN}/getMe",), None)
    assert RedactingFilter([]).filter(record)
    assert TOKEN not in record.getMessage()
    assert "bot[REDACTED]/getMe" in record.getMessage()
