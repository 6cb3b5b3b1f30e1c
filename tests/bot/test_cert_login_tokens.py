"""Token users: the switch offer, reminders until 31 Dec 2026, and the precise message from 1 Jan 2027."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.reminders import TOKEN_LOGIN_REFUSALS
from bot.services.token_dates import LAST_SWITCH_REMINDER
from tests.fixtures.bot import BotFactory, BotHarness, MutableClock

WARSAW = ZoneInfo("Europe/Warsaw")
PASSWORD = "Haslo-Logowania-9"


async def token_user(bot: BotHarness, user_id: int) -> tuple[str, str, int]:
    bot.user(user_id)  # the chat exists on the fake Bot API
    nip, token = bot.sim.create_subject()
    connected = await bot.services.connect.connect_token(user_id, user_id, nip, token)
    assert connected.valid_until is not None  # a token made now is limited to 2026
    return nip, token, connected.company_id


async def test_switch_offered_after_token_then_certificate_replaces_token(bot_app: BotHarness) -> None:
    bot = bot_app
    nip, token = bot.sim.create_subject()
    user = bot.user(5001)
    first = await bot.say(user, "/start", contains="Wybierz, jak")
    await bot.press(user, first, "Mam już token", contains="Podaj NIP")
    await bot.say(user, nip, contains="Wklej teraz token")
    offer = await bot.say(user, token, contains="KSeF wpuści bota tylko certyfikatem", timeout=20)
    guide = await bot.press(user, offer, "Przejdź na certyfikat", contains="Krok 1 z 5")
    await bot.press(user, guide, "Mam już pliki", contains="Podaj NIP")
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD)
    await bot.say(user, nip, contains="plik .key")
    await bot.upload(user, "a.key", issued["key"].encode(), contains=".cert")
    await bot.upload(user, "a.cert", issued["cert"].encode(), contains="hasło")
    await user.send_text(PASSWORD)
    await bot.fake.wait_for_bot_message(user.chat_id,
                                        lambda m: "Token tej firmy został usunięty" in m.content)
    assert await bot.table_rows("ksef_tokens") == []
    assert [r["kind"] for r in await bot.table_rows("reminders")] == ["certificate_expiry"]
    assert len(await bot.table_rows("companies")) == 1


async def test_reminders_until_end_of_2026(bot_factory: BotFactory) -> None:
    clock = MutableClock()
    clock.set(datetime(2026, 9, 10, 12, 0, tzinfo=WARSAW))
    bot: BotHarness = await bot_factory(clock=clock, tick_interval=0.2)
    nip, _, _company_id = await token_user(bot, 5002)
    rows = await bot.table_rows("reminders")
    switch = sorted(r["due_at"] for r in rows if r["kind"] == "token_switch")
    assert [d.astimezone(WARSAW).month for d in switch] == [10, 11]
    assert [r["kind"] for r in rows].count("token_expiry") == 1
    clock.set(datetime(2026, 10, 1, 10, 0, tzinfo=WARSAW))
    october = await bot.fake.wait_for_bot_message(5002, lambda m: "/logowanie" in m.content, timeout=10)
    assert nip in october.content and "31 grudnia 2026" in october.content
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=WARSAW))
    await bot.fake.wait_for_bot_message(5002, lambda m: "przestanie działać" in m.content, timeout=10)
    # Sending the 1 Dec notice schedules the last reminder, just before the end.

    async def last_scheduled() -> bool:
        rows = await bot.table_rows("reminders")
        return any((r["kind"], r["due_at"], r["sent_at"]) == ("token_switch", LAST_SWITCH_REMINDER, None)
                   for r in rows)
    await bot.eventually(last_scheduled, message="the last switch reminder")
    clock.set(LAST_SWITCH_REMINDER + timedelta(minutes=1))
    last = await bot.fake.wait_for_bot_message(5002, lambda m: "/logowanie" in m.content,
                                               after=october.message_id, timeout=10)
    assert nip in last.content


async def test_failing_token_login_from_1_january(bot_factory: BotFactory) -> None:
    clock = MutableClock()
    clock.set(datetime(2026, 12, 20, 12, 0, tzinfo=WARSAW))
    bot: BotHarness = await bot_factory(clock=clock, tick_interval=0.2, inbox_tick=0.3)
    nip, token, company_id = await token_user(bot, 5003)
    bot.sim.revoke_token(token)
    svc = bot.services

    async def polled_once() -> bool:  # the inbox job sets the company's poll baseline first
        return any(r["company_id"] == company_id for r in await bot.table_rows("inbox_sync"))
    await bot.eventually(polled_once, message="the inbox baseline")
    before = await svc.sync.poll(company_id)
    assert before.error in TOKEN_LOGIN_REFUSALS
    # Before 1 Jan a refused token is not explained as the end of tokens.
    assert all(r["kind"] != "tokens_ended" for r in await bot.table_rows("reminders"))
    clock.set(datetime(2027, 1, 2, 8, 0, tzinfo=WARSAW))
    after = await svc.sync.poll(company_id)
    assert after.error in TOKEN_LOGIN_REFUSALS
    told = await bot.fake.wait_for_bot_message(5003, lambda m: "1 stycznia 2027" in m.content, timeout=10)
    assert nip in told.content and "/logowanie" in told.content and "Uwierzytelnianie" in told.content
    ended = [r for r in await bot.table_rows("reminders") if r["kind"] == "tokens_ended"]
    assert len(ended) == 1
    # Told once, not at every tick.
    await svc.reminders.due()
    assert len([r for r in await bot.table_rows("reminders") if r["kind"] == "tokens_ended"]) == 1
    # /start no longer offers a token: only the certificate.
    user = bot.user(5003)
    await bot.services.dialogs.clear(5003)
    first = await bot.say(user, "/start", contains="działały do 31 grudnia 2026")
    assert [b.text for b in first.all_buttons] == ["🔐 Certyfikat KSeF (zalecany)"]
    # /ksef no longer offers to replace the token: it says the token stopped and offers the switch.
    overview = await bot.say(user, "/ksef", contains=nip)
    company = next(m for m in bot.fake.bot_messages(user.chat_id) if m.message_id >= overview.message_id
                   and any(b.text == "Przejdź na certyfikat" for b in m.all_buttons))
    assert "Wymień token" not in [b.text for b in company.all_buttons]
    assert "przestał działać 31 grudnia 2026" in company.content and "/logowanie" in company.content
