"""/ksef says how the bot logs in for each company (token until its end, or the certificate with its
expiry), names certificate types in Polish, and offers "replace token" only where there is a token and
only while tokens work; from 2027 the switch to a certificate instead."""

from __future__ import annotations

from datetime import datetime

from ksef import certs
from ksef.timezone import WARSAW
from tests.bot.test_cert_login_company import PASSWORD, connect_by_certificate
from tests.bot.test_companies import company_cards, connect_in_chat
from tests.bot.test_onboarding_december import december_bot
from tests.fixtures.bot import BotFactory, BotHarness


async def test_certificate_company_shows_its_certificate_login(bot_app: BotHarness) -> None:
    user = bot_app.user(19201)
    await connect_by_certificate(bot_app, user.id)
    [card] = await company_cards(bot_app, user, 1)
    [cert] = await bot_app.table_rows("certificates")
    assert f"Logowanie: certyfikat KSeF nr {cert['serial_hex']}" in card.content
    assert "uwierzytelniający, do logowania" in card.content and "Authentication" not in card.content
    assert "Token" not in card.content and "symulator" in card.content and "127.0.0.1" not in card.content
    labels = {b.text for b in card.all_buttons}
    assert "Wymień token" not in labels and "Dodaj certyfikat" in labels


async def test_token_company_shows_until_when_its_token_works(bot_app: BotHarness) -> None:
    user = bot_app.user(19202)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip, token)
    [card] = await company_cards(bot_app, user, 1)
    assert "Logowanie: token KSeF, działa do 31 grudnia 2026" in card.content
    assert "Wymień token" in {b.text for b in card.all_buttons}


async def test_from_2027_a_token_company_offers_only_the_switch(bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 20, 10, 0, tzinfo=WARSAW))
    user = bot.user(19203)
    nip, token = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip, token)
    # December: the token still works; it can be replaced, nothing says it stopped.
    [december] = await company_cards(bot, user, 1)
    assert "Logowanie: token KSeF, działa do 31 grudnia 2026" in december.content
    assert "przestał" not in december.content
    labels = {b.text for b in december.all_buttons}
    assert "Wymień token" in labels and "Przejdź na certyfikat" not in labels
    # January 2027: the token stopped; the card says since when and offers the switch, not a new token.
    bot.clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=WARSAW))
    [january] = await company_cards(bot, user, 1)
    assert "Logowanie: token KSeF przestał działać 31 grudnia 2026" in january.content
    assert "działa do" not in january.content and "/logowanie" in january.content
    labels = {b.text for b in january.all_buttons}
    assert "Przejdź na certyfikat" in labels and "Wymień token" not in labels
    assert "Dodaj certyfikat" in labels
    # The December card's "replace token" now explains and offers the switch instead of a dead path.
    over = await bot.press(user, december, "Wymień token", contains="działały do 31 grudnia 2026")
    assert [b.text for b in over.all_buttons] == ["Przejdź na certyfikat"]
    assert await bot.table_rows("chat_states") == []  # no token dialogue started
    await bot.press(user, january, "Przejdź na certyfikat", contains="Krok 1 z 5")


async def test_token_end_in_english(bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 20, 10, 0, tzinfo=WARSAW))
    user = bot.user(19204)
    nip, token = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip, token)
    await bot.services.companies.set_language(user.id, user.chat_id, "en")
    bot.clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=WARSAW))
    header = await bot.say(user, "/ksef", contains="Your companies")
    card = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: m.content.startswith("NIP"),
                                               after=header)
    assert "Login: the KSeF token stopped working on 31 December 2026" in card.content
    assert "Switch to a certificate" in {b.text for b in card.all_buttons}


async def test_from_2027_a_token_company_with_a_login_certificate_shows_the_certificate(
        bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 20, 10, 0, tzinfo=WARSAW))
    user = bot.user(19205)
    nip, token = bot.sim.create_subject()
    await connect_in_chat(bot, user, nip, token)
    company_id = (await bot.services.companies.require_active_company(user.id)).id
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD, key_type="EC")
    pair = await certs.load_key_pair_async(issued["key"].encode(), issued["cert"].encode(), PASSWORD,
                                           expected_type=certs.CertType.AUTHENTICATION, now=bot.clock())
    await bot.services.certificates.store_pair(user.id, company_id, "Logowanie", pair)
    bot.clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=WARSAW))
    [card] = await company_cards(bot, user, 1)
    [cert] = await bot.table_rows("certificates")
    assert f"Logowanie: certyfikat KSeF nr {cert['serial_hex']}" in card.content
    assert "przestał" not in card.content
    labels = {b.text for b in card.all_buttons}
    assert "Przejdź na certyfikat" not in labels and "Wymień token" not in labels
