"""Connecting in December 2026: the choice of login first, one message about the token's end with the
days left computed from the clock, no reminder repeating it at once; from 2027 certificates only. The
token guide turns one message in place."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.i18n import plural_form
from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.services.token_dates import LAST_SWITCH_REMINDER
from ksef.timezone import WARSAW
from tests.fixtures.bot import BotFactory, BotHarness, MutableClock

CHOICE = "Wybierz, jak"
CERT_BUTTON = "🔐 Certyfikat KSeF (zalecany)"
TOKEN_BUTTON = "🔑 Token (do 31.12.2026)"


async def december_bot(bot_factory: BotFactory, moment: datetime) -> BotHarness:
    clock = MutableClock()
    clock.set(moment)
    bot: BotHarness = await bot_factory(clock=clock)
    return bot


def days_phrase(today: date) -> str:
    """What the text should say for ``today``: tokens work through 31 Dec, today included."""
    days = (date(2027, 1, 1) - today).days
    verb = plural_form("pl", days, ("został", "zostały", "zostało"))
    noun = plural_form("pl", days, ("dzień", "dni", "dni"))
    return f"{verb} {days} {noun}"


async def connect_with_token(bot: BotHarness, user: FakeUser) -> tuple[str, ChatMessage]:
    nip, token = bot.sim.create_subject()
    choice = await bot.say(user, "/start", contains=CHOICE)
    await bot.press(user, choice, "Mam już token", contains="Podaj NIP")
    await bot.say(user, nip, contains="Wklej teraz token")
    done = await bot.say(user, token, contains="Gotowe", timeout=20)
    return nip, done


async def test_start_offers_the_choice_first(bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 5, 10, 0, tzinfo=WARSAW))
    user = bot.user(19001)
    choice = await bot.say(user, "/start", contains=CHOICE)
    assert "Krok" not in choice.content  # no guide before the user chose
    assert "Certyfikat KSeF" in choice.content and "Token KSeF" in choice.content
    assert "31 grudnia 2026" in choice.content and days_phrase(date(2026, 12, 5)) in choice.content
    assert [b.text for b in choice.all_buttons] == [CERT_BUTTON, TOKEN_BUTTON, "Mam już token"]
    # Typed text while the choice waits: the choice again.
    again = await bot.say(user, "a co to jest?", contains=CHOICE)
    assert next(b.text for b in again.all_buttons) == CERT_BUTTON
    guide = await bot.press(user, choice, CERT_BUTTON, contains="Krok 1 z 5")
    assert "ksef.podatki.gov.pl" in guide.content


@pytest.mark.parametrize("today", [date(2026, 12, 5), date(2026, 12, 30)])
async def test_one_token_message_with_the_days_left(bot_factory: BotFactory, today: date) -> None:
    bot = await december_bot(bot_factory, datetime(today.year, today.month, today.day, 11, 0, tzinfo=WARSAW))
    user = bot.user(19002)
    nip, done = await connect_with_token(bot, user)
    assert nip in done.content and "31 grudnia 2026" in done.content
    assert days_phrase(today) in done.content
    assert "Przejdź na certyfikat" in {b.text for b in done.all_buttons}
    assert "127.0.0.1" not in done.content and "symulator" in done.content
    # Nothing about the end is due now: the reminders tick queues nothing, no second or third message.
    assert await bot.services.reminders.queue_due() == []
    about_the_end = [m for m in bot.fake.bot_messages(user.chat_id)
                     if "31 grudnia" in m.content and m.message_id > done.message_id - 1]
    assert about_the_end == [done]
    due = sorted((r["kind"], r["due_at"].replace(tzinfo=None)) for r in await bot.table_rows("reminders"))
    last = LAST_SWITCH_REMINDER.astimezone(WARSAW).replace(tzinfo=None)
    stored_last = [kind for kind, moment in due if abs((moment - last).total_seconds()) < 3600 * 2]
    if today < date(2026, 12, 28):  # one more reminder just before the end, none already due
        assert stored_last == ["token_switch"] and len(due) == 1
    else:
        assert due == []


async def test_days_left_follow_the_clock_in_english(bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 31, 9, 0, tzinfo=WARSAW))
    user = bot.user(19003)
    choose = await bot.say(user, "/language", contains="Choose")
    await bot.press(user, choose, "English", contains="Language set to English")
    choice = await bot.say(user, "/start", contains="Choose how the bot logs in")
    assert "1 day left" in choice.content and "31 December 2026" in choice.content


async def test_from_2027_only_the_certificate_is_offered(bot_factory: BotFactory) -> None:
    bot = await december_bot(bot_factory, datetime(2026, 12, 20, 10, 0, tzinfo=WARSAW))
    user = bot.user(19004)
    december = await bot.say(user, "/start", contains=CHOICE)
    bot.clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=WARSAW))
    january = await bot.say(user, "/start", contains="działały do 31 grudnia 2026")
    assert [b.text for b in january.all_buttons] == [CERT_BUTTON]
    assert "Token KSeF" not in january.content
    # The token button of the December message now explains instead of starting a dead path.
    over = await bot.press(user, december, TOKEN_BUTTON, contains="działały do 31 grudnia 2026")
    assert [b.text for b in over.all_buttons] == [CERT_BUTTON]
    # No token dialogue was started: the chat still waits at January's choice.
    assert [(r["flow"], r["step"]) for r in await bot.table_rows("chat_states")] == [("token", "choose")]
    await bot.press(user, over, CERT_BUTTON, contains="Krok 1 z 5")


async def test_the_guide_is_one_message_turned_in_place(bot_app: BotHarness) -> None:
    user = bot_app.user(19005)
    choice = await bot_app.say(user, "/start", contains=CHOICE)
    step = await bot_app.press(user, choice, TOKEN_BUTTON, contains="Krok 1 z 8")
    texts = [step.content]
    for number in range(2, 9):
        step = await bot_app.press(user, step, "Dalej ▶", contains=f"Krok {number} z 8")
        texts.append(step.content)
    back = await bot_app.press(user, step, "◀ Wstecz", contains="Krok 7 z 8")
    assert back.message_id == step.message_id
    guides = [m for m in bot_app.fake.bot_messages(user.chat_id) if " z 8." in m.content]
    assert len(guides) == 1 and guides[0].message_id == step.message_id
    assert len(set(texts)) == 8  # each step its own text
    forward = await bot_app.press(user, back, "Dalej ▶", contains="Krok 8 z 8")
    ask = await bot_app.press(user, forward, "Dalej ▶", contains="Podaj NIP")
    assert ask.message_id == step.message_id  # the NIP question takes the guide's place
    assert [m for m in bot_app.fake.bot_messages(user.chat_id) if m.message_id > choice.message_id] == [ask]
