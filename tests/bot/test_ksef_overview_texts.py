"""/ksef says how the bot logs in for each company (token until its end, or the certificate with its
expiry), names certificate types in Polish, and offers "replace token" only where there is a token."""

from __future__ import annotations

from tests.bot.test_cert_login_company import connect_by_certificate
from tests.bot.test_companies import company_cards, connect_in_chat
from tests.fixtures.bot import BotHarness


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
