"""Settings of ``ksef-bot`` from the environment and an optional ``.env`` file (every variable: README.md,
deploy/env.example).

``load_settings()`` validates everything up front and raises :class:`ConfigError` naming the variable
and the fix, so a bad deployment stops at start-up with one clear line instead of failing later.
Secrets (bot token, master key, webhook secret, database password) never appear in ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.logs import LOG_FORMATS
from ksef.environments import Environment, resolve_environment
from ksef.limits import PUBLISHED_LIMITS

TELEGRAM_API_URL = "https://api.telegram.org/bot"
DEFAULT_POLL_INTERVAL = 900
# KSeF docs: query invoice metadata no more often than every 15 minutes per subject type, and the
# endpoint allows 20 requests per hour in production (docs/ksef.md#rate-limits). The stricter of the two wins.
_METADATA_PER_HOUR = PUBLISHED_LIMITS["invoiceMetadata"].per_hour or 20
MIN_POLL_INTERVAL_REAL = max(15 * 60, math.ceil(3600 / _METADATA_PER_HOUR))
MIN_POLL_INTERVAL_CUSTOM = 1
LANGUAGES = ("pl", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MASTER_KEY_BYTES = 32
# Telegram allows 1-256 characters; we require 32 or more: the secret is all that tells Telegram's
# deliveries from forged updates, and a short one can be guessed.
MIN_WEBHOOK_SECRET = 32
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_GENERATE_HINT = "generate one with: python3 -c \"import secrets; print(secrets.token_urlsafe(32))\""
_HIDDEN = "***"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the variable and what is expected."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment, validated."""

    telegram_bot_token: str | None = field(default=None, repr=False)
    telegram_api_url: str = TELEGRAM_API_URL
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite+aiosqlite:///data/ksefbot.sqlite"
    ksef_env: str = "test"
    ksef_environment: Environment = field(default_factory=lambda: resolve_environment("test"))
    latarnia_url: str | None = None
    master_key: bytes | None = field(default=None, repr=False)
    master_key_file: Path | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    data_dir: Path = Path("data")
    poll_interval: int = DEFAULT_POLL_INTERVAL
    language: str = "pl"
    log_level: str = "INFO"
    log_format: str = "text"  # "json": one JSON object per line for log collectors (bot.logs)
    log_sql: bool = False  # KSEFBOT_LOG_SQL: log SQL with its parameters (personal data!) at DEBUG
    jobs: str = "embedded"  # "procrastinate": scale-out workers on PostgreSQL (bot.jobs)

    @property
    def webhook_mode(self) -> bool:
        """True when updates arrive by webhook (``WEBHOOK_URL`` set), else long polling."""
        return self.webhook_url is not None

    @property
    def webhook_path(self) -> str:
        """The path part of ``WEBHOOK_URL`` the local webhook server listens on."""
        return urlsplit(self.webhook_url or "").path.lstrip("/")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if not f.repr:
                text = "None" if value is None else repr(_HIDDEN)
            elif f.name == "database_url":
                text = repr(redact_url(value))
            elif f.name == "ksef_environment":
                text = repr(value.name)
            else:
                text = repr(value)
            shown.append(f"{f.name}={text}")
        return f"Settings({', '.join(shown)})"

    __str__ = __repr__


def redact_url(url: str) -> str:
    """``scheme://user:***@host/...``: the password of a database URL hidden."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", rf"\1{_HIDDEN}@", url)


def load_settings(environ: Mapping[str, str] | None = None, *, env_file: str | None = ".env") -> Settings:
    """Read and validate settings; ``environ`` (default ``os.environ``) overrides ``env_file`` entries.

    A missing ``env_file`` is not an error (the default ``.env`` is optional).
    """
    values: dict[str, str] = {}
    if env_file and os.path.isfile(env_file):
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)
    env = _Env(values)

    data_dir = Path(env.get("KSEFBOT_DATA_DIR") or "data").expanduser().resolve()
    api_url = _api_url(env.get("TELEGRAM_API_URL"))
    file_url = _file_url(env.get("TELEGRAM_FILE_URL"), api_url)
    database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'ksefbot.sqlite'}"
    if "://" not in database_url:
        raise ConfigError("DATABASE_URL must be an SQLAlchemy URL such as "
                          "sqlite+aiosqlite:///path/ksefbot.sqlite or postgresql+asyncpg://user@host/db")

    ksef_env = env.get("KSEF_ENV") or "test"
    latarnia = env.get("LATARNIA_URL")
    if latarnia is not None:
        _check_http_url("LATARNIA_URL", latarnia)
    try:
        environment = resolve_environment(ksef_env, latarnia_base=latarnia)
    except ValueError as err:
        raise ConfigError(f"KSEF_ENV: {err}") from err

    master_key, master_key_file = _master_key(env)
    webhook_url, webhook_secret = _webhook(env)
    poll_interval = _poll_interval(env.get("KSEFBOT_POLL_INTERVAL"), environment)

    language = (env.get("KSEFBOT_LANGUAGE") or "pl").lower()
    if language not in LANGUAGES:
        raise ConfigError(f"KSEFBOT_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {language!r}")
    log_level = (env.get("KSEFBOT_LOG_LEVEL") or env.get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"KSEFBOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}")
    log_format = (env.get("KSEFBOT_LOG_FORMAT") or "text").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"KSEFBOT_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")

    log_sql_text = (env.get("KSEFBOT_LOG_SQL") or "0").lower()
    if log_sql_text not in ("0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"KSEFBOT_LOG_SQL must be 1 or 0, not {log_sql_text!r}")

    jobs = (env.get("KSEFBOT_JOBS") or "embedded").lower()
    if jobs not in ("embedded", "procrastinate"):
        raise ConfigError(f"KSEFBOT_JOBS must be embedded or procrastinate, not {jobs!r}")
    if jobs == "procrastinate" and not database_url.startswith("postgresql"):
        raise ConfigError("KSEFBOT_JOBS=procrastinate needs PostgreSQL: set DATABASE_URL="
                          "postgresql+asyncpg://user@host/db (SQLite runs the embedded mode only)")

    token = env.get("TELEGRAM_BOT_TOKEN")
    if token is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
        raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, colon, letters) — "
                          "copy it again from @BotFather")

    return Settings(
        telegram_bot_token=token,
        telegram_api_url=api_url,
        telegram_file_url=file_url,
        database_url=database_url,
        ksef_env=ksef_env,
        ksef_environment=environment,
        latarnia_url=latarnia or environment.latarnia_base,
        master_key=master_key,
        master_key_file=master_key_file,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=env.get("WEBHOOK_LISTEN") or "127.0.0.1",
        webhook_port=_port(env.get("WEBHOOK_PORT")),
        data_dir=data_dir,
        poll_interval=poll_interval,
        language=language,
        log_level=log_level,
        log_format=log_format,
        log_sql=log_sql_text in ("1", "true", "yes"),
        jobs=jobs,
    )


class _Env:
    """Lookup that treats empty and whitespace-only values as unset."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values = values

    def get(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None


def _check_http_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {url!r}")


def _api_url(value: str | None) -> str:
    if value is None:
        return TELEGRAM_API_URL
    _check_http_url("TELEGRAM_API_URL", value)
    url = value.rstrip("/")
    # PTB appends the token to base_url unless it contains "{token}".
    if not (url.endswith("/bot") or "{token}" in url):
        raise ConfigError("TELEGRAM_API_URL must end with /bot (the token is appended to it), "
                          f"e.g. http://127.0.0.1:8081/bot; got {value!r}")
    return url


def _file_url(value: str | None, api_url: str) -> str:
    if value is not None:
        _check_http_url("TELEGRAM_FILE_URL", value)
        return value.rstrip("/")
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    if "/bot{token}" in api_url:
        return api_url.replace("/bot{token}", "/file/bot{token}")
    raise ConfigError("TELEGRAM_FILE_URL is needed when TELEGRAM_API_URL does not end with /bot")


def _master_key(env: _Env) -> tuple[bytes | None, Path | None]:
    raw = env.get("KSEFBOT_MASTER_KEY")
    path = env.get("KSEFBOT_MASTER_KEY_FILE")
    if raw is not None and path is not None:
        raise ConfigError("set only one of KSEFBOT_MASTER_KEY and KSEFBOT_MASTER_KEY_FILE")
    if path is not None:
        return None, Path(path).expanduser()
    if raw is None:
        return None, None
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        # Never echo the value: it is (or was meant to be) the key.
        raise ConfigError(f"KSEFBOT_MASTER_KEY must be base64 of exactly {MASTER_KEY_BYTES} random bytes "
                          "(generate one with: python -c \"import os,base64;"
                          "print(base64.b64encode(os.urandom(32)).decode())\")")
    return key, None


def _webhook(env: _Env) -> tuple[str | None, str | None]:
    url = env.get("WEBHOOK_URL")
    secret = env.get("WEBHOOK_SECRET")
    if url is None:
        if secret is not None:
            raise ConfigError("WEBHOOK_SECRET is set but WEBHOOK_URL is not: set both for webhook mode, "
                              "or neither for polling")
        return None, None
    _check_http_url("WEBHOOK_URL", url)
    if secret is None:
        raise ConfigError(f"WEBHOOK_SECRET is required with WEBHOOK_URL ({MIN_WEBHOOK_SECRET}-256 characters "
                          "A-Z a-z 0-9 _ -): Telegram sends it back so the bot can reject forged updates; "
                          + _GENERATE_HINT)
    if not _WEBHOOK_SECRET_RE.fullmatch(secret):
        raise ConfigError(f"WEBHOOK_SECRET must be {MIN_WEBHOOK_SECRET}-256 characters from A-Z a-z 0-9 _ - "
                          f"(got {len(secret)} characters, some not allowed or too many)")
    if len(secret) < MIN_WEBHOOK_SECRET:
        raise ConfigError(f"WEBHOOK_SECRET has only {len(secret)} characters: use at least "
                          f"{MIN_WEBHOOK_SECRET} (forged updates must not be guessable); {_GENERATE_HINT}")
    return url, secret


def _poll_interval(value: str | None, environment: Environment) -> int:
    if value is None:
        interval = DEFAULT_POLL_INTERVAL
    else:
        try:
            interval = int(value)
        except ValueError:
            raise ConfigError(
                f"KSEFBOT_POLL_INTERVAL must be a whole number of seconds, not {value!r}") from None
    minimum = MIN_POLL_INTERVAL_REAL if environment.is_real else MIN_POLL_INTERVAL_CUSTOM
    if interval < minimum:
        if environment.is_real:
            raise ConfigError(
                f"KSEFBOT_POLL_INTERVAL={interval} is too short for KSeF {environment.name}: its published "
                f"limits allow polling one company at most every {minimum} s (15 minutes; the invoice "
                f"metadata query allows {_METADATA_PER_HOUR} requests per hour). Use {minimum} or more; "
                "shorter intervals are allowed only against a simulator (KSEF_ENV=<URL>)")
        raise ConfigError(f"KSEFBOT_POLL_INTERVAL must be at least {minimum} s, not {interval}")
    return interval


def _port(value: str | None) -> int:
    if value is None:
        return 8080
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise ConfigError(f"WEBHOOK_PORT must be a TCP port number 1-65535, not {value!r}")
    return port
