"""Offline certificate upload end to end, with each bad case getting its own message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.sandbox.botapi import ChatMessage, FakeUser
from tests.fixtures.bot import BotHarness

PASSWORD = "Tajne-Haslo-123"


async def connected(bot: BotHarness, user_id: int) -> tuple[FakeUser, str]:
    """A user with a company connected (through the service: the chat flow is tested elsewhere)."""
    nip, token = bot.sim.create_subject()
    await bot.services.connect.connect_token(user_id, user_id, nip, token)
    return bot.user(user_id), nip


async def to_key_question(bot: BotHarness, user: FakeUser) -> ChatMessage:
    first = await bot.say(user, "/certificate", contains="Krok 1 z 6")
    message, steps = first, [first.content]
    for number in range(2, 7):
        message = await bot.press(user, message, "Dalej ▶", contains=f"Krok {number} z 6")
        steps.append(message.content)
    assert "Podpis linku do weryfikacji wystawcy" in steps[-2]
    return await bot.press(user, message, "Dalej ▶", contains="plik .key")


def self_signed(nip: str, *, offline: bool, not_after: datetime) -> tuple[bytes, bytes]:
    """An encrypted EC key and a certificate made here (for cases the simulator would not issue)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test"),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, f"TINPL-{nip}")])
    usage = x509.KeyUsage(digital_signature=not offline, content_commitment=offline, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_after - timedelta(days=365)).not_valid_after(not_after)
            .add_extension(usage, critical=True).sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(PASSWORD.encode()))
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


async def test_offline_certificate_upload(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 2001)
    issued = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    await to_key_question(bot_app, user)
    key_message = await user.send_document("offline.key", issued["key"].encode())
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: ".cert" in m.content)
    assert key_message.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    await bot_app.upload(user, "offline.crt", issued["cert"].encode(), contains="nazwę certyfikatu")
    await bot_app.say(user, "Mój offline", contains="hasło")
    password_message = await user.send_text(PASSWORD)
    stored = await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "zapisany" in m.content)
    assert password_message.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    rows = await bot_app.table_rows("certificates")
    assert len(rows) == 1
    serial = rows[0]["serial_hex"]
    assert serial in stored.content and "Mój offline" in stored.content
    assert issued["serialNumber"].upper().lstrip("0") == serial.lstrip("0")
    assert rows[0]["cert_type"] == "Offline"
    # The key is kept only inside the vault blob.
    assert PASSWORD.encode() not in await bot_app.dump_database()
    assert b"PRIVATE KEY" not in rows[0]["key_blob"]
    reminders = [r for r in await bot_app.table_rows("reminders") if r["kind"] == "certificate_expiry"]
    assert reminders and reminders[0]["due_at"] == rows[0]["not_after"] - timedelta(days=30)
    assert await bot_app.table_rows("uploads") == []
    overview = await bot_app.say(user, "/ksef", contains=nip)
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: serial in m.content,
                                            after=overview.message_id - 1)


async def test_wrong_password_then_right_one(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 2002)
    issued = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    await to_key_question(bot_app, user)
    await bot_app.upload(user, "a.key", issued["key"].encode(), contains=".cert")
    await bot_app.upload(user, "a.cert", issued["cert"].encode(), contains="nazwę certyfikatu")
    await bot_app.say(user, "Offline 1", contains="hasło")
    wrong = await user.send_text("zle-haslo")
    answer = await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Hasło" in m.content)
    assert "nieprawidłowe" in answer.content or "nie pasuje" in answer.content
    assert wrong.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert await bot_app.table_rows("certificates") == []
    await bot_app.say(user, PASSWORD, contains="zapisany")


async def test_key_and_certificate_that_do_not_match(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 2003)
    first = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    second = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    await to_key_question(bot_app, user)
    await bot_app.upload(user, "a.key", first["key"].encode(), contains=".cert")
    await bot_app.upload(user, "b.cert", second["cert"].encode(), contains="nazwę certyfikatu")
    await bot_app.say(user, "Pomylone", contains="hasło")
    answer = await bot_app.say(user, PASSWORD, contains="nie pasuje")
    assert "certyfikat" in answer.content
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: ".key" in m.content, after=answer)
    assert await bot_app.table_rows("certificates") == []
    assert await bot_app.table_rows("uploads") == []  # the dialogue starts again from the key


async def test_expired_certificate(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 2004)
    key, cert = self_signed(nip, offline=True, not_after=datetime.now(UTC) - timedelta(days=1))
    await to_key_question(bot_app, user)
    await bot_app.upload(user, "old.key", key, contains=".cert")
    answer = await bot_app.upload(user, "old.cert", cert, contains="nieważny")
    assert "nowy" in answer.content
    assert await bot_app.table_rows("certificates") == []


async def test_authentication_certificate_offered_as_offline(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 2005)
    issued = bot_app.sim.issue_certificate(nip, "Authentication", PASSWORD)
    await to_key_question(bot_app, user)
    await bot_app.upload(user, "auth.key", issued["key"].encode(), contains=".cert")
    answer = await bot_app.upload(user, "auth.cert", issued["cert"].encode(), contains="Offline")
    assert "uwierzytelniający" in answer.content
    assert await bot_app.table_rows("certificates") == []


async def test_thirty_megabyte_file_is_refused_unread(bot_app: BotHarness) -> None:
    user, _ = await connected(bot_app, 2006)
    await to_key_question(bot_app, user)
    answer = await bot_app.upload(user, "huge.key", b"\0" * (30 * 1024 * 1024), contains="za duży",
                                  timeout=60)
    assert "KB" in answer.content
    assert bot_app.fake.calls_of("getFile") == []
    assert await bot_app.table_rows("uploads") == []


async def test_text_file_named_key(bot_app: BotHarness) -> None:
    user, _ = await connected(bot_app, 2007)
    await to_key_question(bot_app, user)
    answer = await bot_app.upload(user, "notatki.key", "to jest zwykły tekst\n".encode(),
                                  contains="nie jest kluczem")
    assert ".key" in answer.content
    assert await bot_app.table_rows("uploads") == []


async def test_member_cannot_add_certificates_and_text_instead_of_file(bot_app: BotHarness) -> None:
    owner, nip = await connected(bot_app, 2008)
    await to_key_question(bot_app, owner)
    await bot_app.say(owner, "zamiast pliku", contains="dokument")
    await bot_app.say(owner, "/cancel", contains="Przerwano")
    company_id = (await bot_app.services.companies.list(owner.id))[0].id
    payload = await bot_app.services.members.invite(owner.id, company_id)
    member = bot_app.user(2009)
    await bot_app.say(member, f"/start {payload}", contains=nip)
    await bot_app.say(member, "/certificate", contains="Nie masz dostępu")
