"""Connecting with a KSeF Authentication certificate issued by the simulator, and the bad cases."""

from __future__ import annotations

import pytest

from bot.services.errors import ServiceError
from ksef.client import KsefClient
from tests.fixtures.bot import BotHarness
from tests.pkcs8gen import encrypted_pkcs8

PASSWORD = "Haslo-Logowania-9"


@pytest.mark.parametrize("key_type", ["EC", "RSA"])
async def test_connect_with_authentication_certificate(bot_app: BotHarness, key_type: str) -> None:
    nip, _token = bot_app.sim.create_subject()
    issued = bot_app.sim.issue_certificate(nip, "Authentication", PASSWORD, key_type=key_type)
    svc = bot_app.services
    result = await svc.cert_login.connect_certificate(3001, 3001, nip, issued["key"].encode(),
                                                      issued["cert"].encode(), PASSWORD)
    assert result.nip == nip and not result.replaced_token
    rows = await bot_app.table_rows("certificates")
    assert [r["cert_type"] for r in rows] == ["Authentication"]
    assert await bot_app.table_rows("ksef_tokens") == []
    assert PASSWORD.encode() not in await bot_app.dump_database()
    login = await svc.cert_login.login_certificate(result.company_id)
    assert login is not None and login.serial_hex == rows[0]["serial_hex"]
    # The stored login works for later KSeF calls: the quota is read with a certificate login ...
    quota = await svc.enroll.quota(3001, result.company_id)
    assert quota.can_request and quota.enrollments_left > 0
    # ... and other services get a certificate (not a token) to build KsefClient with.
    creds = await svc.cert_login.credentials(result.company_id)
    assert creds is not None and creds.token is None and creds.certificate is not None
    async with KsefClient(bot_app.sim.base_url, nip=creds.nip, certificate=creds.certificate) as client:
        batch = await client.received_since(None)
    assert batch.invoices == []


async def test_offline_certificate_offered_for_login(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    issued = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    with pytest.raises(ServiceError) as caught:
        await bot_app.services.cert_login.connect_certificate(3002, 3002, nip, issued["key"].encode(),
                                                              issued["cert"].encode(), PASSWORD)
    assert caught.value.code == "auth_wrong_type"
    assert "Authentication" in (caught.value.user_message or "")
    assert await bot_app.table_rows("companies") == []


async def test_wrong_password(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    issued = bot_app.sim.issue_certificate(nip, "Authentication", PASSWORD)
    with pytest.raises(ServiceError) as caught:
        await bot_app.services.cert_login.connect_certificate(3003, 3003, nip, issued["key"].encode(),
                                                              issued["cert"].encode(), "zle-haslo")
    assert caught.value.code == "cert_password"
    assert await bot_app.table_rows("companies") == []


async def test_certificate_of_another_nip_refused_by_ksef(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    other, _ = bot_app.sim.create_subject()
    issued = bot_app.sim.issue_certificate(other, "Authentication", PASSWORD)
    with pytest.raises(ServiceError) as caught:
        await bot_app.services.cert_login.connect_certificate(3004, 3004, nip, issued["key"].encode(),
                                                              issued["cert"].encode(), PASSWORD)
    assert caught.value.code == "auth_no_rights"
    assert await bot_app.table_rows("certificates") == []


# --- the chat: guide, files, password, one-tap Offline certificate ------------------------------------

async def test_chat_connect_by_certificate_then_one_tap_offline(bot_app: BotHarness) -> None:
    bot = bot_app
    user = bot.user(3101)
    nip, _ = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD)
    first = await bot.say(user, "/certlogin", contains="Krok 1 z 5")
    message, steps = first, [first.content]
    for number in range(2, 6):
        message = await bot.press(user, message, "Dalej ▶", contains=f"Krok {number} z 5")
        steps.append(message.content)
    assert "Uwierzytelnianie" in steps[2]
    await bot.press(user, message, "Dalej ▶", contains="NIP")
    await bot.say(user, nip, contains="plik .key")
    key_message = await user.send_document("login.key", issued["key"].encode())
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: ".cert" in m.content)
    assert key_message.message_id in bot.fake.deleted_message_ids(user.chat_id)
    await bot.upload(user, "login.cert", issued["cert"].encode(), contains="hasło")
    password_message = await user.send_text(PASSWORD)
    connected = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "połączona" in m.content)
    assert password_message.message_id in bot.fake.deleted_message_ids(user.chat_id)
    assert nip in connected.content
    offer = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "Offline" in m.content,
                                                after=connected.message_id)
    assert PASSWORD.encode() not in await bot.dump_database()
    assert await bot.table_rows("uploads") == []
    quota = await bot.press(user, offer, "Uzyskaj certyfikat Offline", contains="limitu")
    assert "Pozostało: 300" in quota.content
    done = await bot.press(user, quota, "Tak, złóż wniosek", contains="Certyfikat Offline", timeout=30)
    offline = [r for r in await bot.table_rows("certificates") if r["cert_type"] == "Offline"]
    assert len(offline) == 1 and offline[0]["serial_hex"] in done.content
    # The confirmation is one-shot: pressing it again does not spend another request.
    await bot.press(user, quota, "Tak, złóż wniosek", contains="nieaktualny")
    assert len([r for r in await bot.table_rows("certificates") if r["cert_type"] == "Offline"]) == 1


async def test_chat_offline_certificate_refused_at_upload(bot_app: BotHarness) -> None:
    bot = bot_app
    user = bot.user(3102)
    nip, _ = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Offline", PASSWORD)
    first = await bot.say(user, "/certlogin", contains="Krok 1 z 5")
    await bot.press(user, first, "Mam już pliki", contains="NIP")
    await bot.say(user, nip, contains="plik .key")
    await bot.upload(user, "offline.key", issued["key"].encode(), contains=".cert")
    refused = await bot.upload(user, "offline.cert", issued["cert"].encode(), contains="uwierzytelniający")
    assert "Offline" in refused.content
    assert await bot.table_rows("companies") == []


async def test_chat_wrong_password_asks_again(bot_app: BotHarness) -> None:
    bot = bot_app
    user = bot.user(3103)
    nip, _ = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD, key_type="RSA")
    first = await bot.say(user, "/certlogin", contains="Krok 1 z 5")
    await bot.press(user, first, "Mam już pliki", contains="NIP")
    await bot.say(user, nip, contains="plik .key")
    await bot.upload(user, "k.key", issued["key"].encode(), contains=".cert")
    await bot.upload(user, "c.cert", issued["cert"].encode(), contains="hasło")
    await bot.say(user, "zle-haslo", contains="Hasło")
    assert await bot.table_rows("companies") == []
    await bot.say(user, PASSWORD, contains="połączona")
    assert len(await bot.table_rows("companies")) == 1


async def test_token_company_credentials_are_its_token(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    connected = await bot_app.services.connect.connect_token(3005, 3005, nip, token)
    creds = await bot_app.services.cert_login.credentials(connected.company_id)
    assert creds is not None and creds.token == token and creds.certificate is None and creds.nip == nip


async def test_chat_key_with_absurd_cost_refused_while_other_chats_go_on(bot_app: BotHarness) -> None:
    bot = bot_app
    user, other = bot.user(3103), bot.user(3104)
    nip, _ = bot.sim.create_subject()
    first = await bot.say(user, "/certlogin", contains="Krok 1 z 5")
    await bot.press(user, first, "Mam już pliki", contains="NIP")
    await bot.say(user, nip, contains="plik .key")
    # ~400 bytes declaring 2^31-1 PBKDF2 rounds: minutes of CPU if anything tried to derive its key.
    crafted = encrypted_pkcs8(None, PASSWORD, iterations=2**31 - 1)
    upload = await user.send_document("hostile.key", crafted)
    question = await other.send_text("/status")
    refused = await bot.fake.wait_for_bot_message(user.chat_id, after=upload)
    status = await bot.fake.wait_for_bot_message(other.chat_id, after=question)
    assert "nietypowo wysokim kosztem" in refused.content
    assert "Status KSeF" in status.content
    # The dialogue still waits for the key: the portal's own file goes on to the certificate step.
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD)
    await bot.upload(user, "login.key", issued["key"].encode(), contains=".cert")
