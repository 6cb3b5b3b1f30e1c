"""No secret (KSeF token, password, key bytes, bot token) in logs, unencrypted in the database, or in
PTB persistence; plus reminders and idle timeouts driven by an injected clock."""

from __future__ import annotations

import base64
import io
import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bot.logs import RedactingFilter, setup_logging
from tests.fixtures.bot import BotFactory, BotHarness

PASSWORD = "Bardzo-Tajne-42"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The bot's own logging setup at DEBUG, with httpx forced verbose too (it prints Bot API URLs)."""
    stream = io.StringIO()
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    setup_logging(logging.DEBUG, stream=stream)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG)
    yield stream
    for handler in list(root.handlers):
        if handler not in saved_handlers:
            root.removeHandler(handler)
    root.setLevel(saved_level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def test_no_secret_leaks_anywhere(bot_factory: BotFactory, log_stream: io.StringIO) -> None:
    bot: BotHarness = await bot_factory()
    nip, token = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Offline", PASSWORD)
    user = bot.user(4001)
    first = await bot.say(user, "/start", contains="Wybierz, jak")
    await bot.press(user, first, "Mam już token", contains="Podaj NIP")
    await bot.say(user, nip, contains="Wklej teraz token")
    await bot.say(user, token, contains="Gotowe", timeout=20)
    message = await bot.say(user, "/certificate", contains="Krok 1 z 6")
    await bot.press(user, message, "Mam już pliki", contains="plik .key")
    await bot.upload(user, "k.key", issued["key"].encode(), contains=".cert")
    await bot.upload(user, "c.cert", issued["cert"].encode(), contains="nazwę")
    await bot.say(user, "Offline", contains="hasło")
    await bot.say(user, "zle-haslo-xyz", contains="Hasło")
    await bot.say(user, PASSWORD, contains="zapisany")
    await bot.restart()  # whatever a graceful stop writes out is included below

    key = serialization.load_pem_private_key(issued["key"].encode(), PASSWORD.encode())
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    token_secret = token.rsplit("|", 1)[1]
    secrets_text = [token, token_secret, PASSWORD, "zle-haslo-xyz", bot.fake.token,
                    bot.fake.token.split(":", 1)[1], base64.b64encode(key_der).decode()[:40],
                    base64.b64encode(bot.master_key).decode()]
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    scalar = key.private_numbers().private_value.to_bytes(32, "big")  # the secret part of the key
    secrets_bytes = [s.encode() for s in secrets_text] + [key_der, scalar, bot.master_key]

    logs = log_stream.getvalue()
    assert "getUpdates" in logs or "sendMessage" in logs, "the log capture saw no Bot API traffic"
    for secret in secrets_text:
        assert secret not in logs
    dump = await bot.dump_database()
    assert b"token_blob" not in dump  # sanity: values only
    assert nip.encode() in dump, "the dump holds readable values"
    for blob in secrets_bytes:
        assert blob not in dump
    # PTB persistence is not used at all: dialogue state lives in our table, which holds no secret.
    assert bot.runtime is not None and bot.runtime.application is not None
    assert bot.runtime.application.persistence is None
    await bot.say(user, "/start", contains="Wybierz, jak")
    for row in await bot.table_rows("chat_states"):
        assert all(s not in str(row) for s in secrets_text)


def test_redacting_filter_catches_known_shapes() -> None:
    redactor = RedactingFilter(["literal-secret-value"])
    bot_token = "123456789:" + secrets.token_urlsafe(26)[:35]  # made at run time: no token-shaped literal
    ksef_token = "20261123-EC-7CBF7966BF-33C0E12342-CB|nip-3426513559|00d53632bfbd424b"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "POST https://api/bot%s/sendMessage %s %s",
                               (bot_token, ksef_token, "literal-secret-value"), None)
    redactor.filter(record)
    text = record.getMessage()
    assert bot_token not in text and ksef_token not in text and "literal-secret-value" not in text
    assert text.count("[REDACTED]") == 3


async def test_december_reminder_and_certificate_expiry_reminder(bot_factory: BotFactory) -> None:
    bot: BotHarness = await bot_factory(tick_interval=0.3)
    nip, token = bot.sim.create_subject()
    await bot.services.connect.connect_token(4002, 4002, nip, token)
    issued = bot.sim.issue_certificate(nip, "Offline", PASSWORD)
    company_id = (await bot.services.companies.list(4002))[0].id
    stored = await bot.services.certificates.add(4002, company_id, "Na QR", issued["key"].encode(),
                                                 issued["cert"].encode(), PASSWORD)
    # The token connected again before December: the 1 Dec notice is scheduled (a December connection
    # says it in its own message instead).
    bot.clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    await bot.services.connect.connect_token(4002, 4002, nip, token)
    user = bot.user(4002)
    assert await bot.services.reminders.due() == [] or bot.clock() >= datetime(2026, 12, 1, tzinfo=UTC)
    bot.clock.set(datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    reminder = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "Przypomnienie" in m.content,
                                                   after=0)
    assert nip in reminder.content and "31 grudnia 2026" in reminder.content
    bot.clock.set(stored.not_after - timedelta(days=29))
    expiry = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "wygasa" in m.content, after=0)
    assert stored.serial_hex in expiry.content and "Na QR" in expiry.content

    async def all_sent() -> bool:
        return all(r["sent_at"] is not None for r in await bot.table_rows("reminders"))

    await bot.eventually(all_sent, message="reminders marked sent")
    count = len(bot.fake.bot_messages(user.chat_id))
    await bot.restart()  # sent reminders are not sent again
    await bot.say(user, "/cancel", contains="Nic teraz nie trwa")
    assert len(bot.fake.bot_messages(user.chat_id)) == count + 1


async def test_idle_dialogue_times_out_politely(bot_factory: BotFactory) -> None:
    bot: BotHarness = await bot_factory(tick_interval=0.3)
    nip, _ = bot.sim.create_subject()
    user = bot.user(4003)
    first = await bot.say(user, "/start", contains="Wybierz, jak")
    await bot.press(user, first, "Mam już token", contains="Podaj NIP")
    await bot.say(user, nip, contains="Wklej teraz token")
    bot.clock.advance(timedelta(minutes=31))
    notice = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "dłuższego czasu" in m.content)
    assert "/start" in notice.content
    assert await bot.table_rows("chat_states") == []
    await bot.say(user, "cokolwiek", contains="Nic teraz nie trwa")
