"""Token onboarding end to end: fake Bot API ↔ the real bot ↔ the KSeF simulator."""

from __future__ import annotations

from tests.fixtures.bot import BotHarness

GUIDE_MARKERS = ["ksef.podatki.gov.pl", "NIP", "Profilem Zaufanym", "Tokeny", "nazwę aplikacji",
                 "przeglądanie faktur", "nazwę tokenu", "Generuj token"]


async def walk_guide(bot: BotHarness, user, first):  # type: ignore[no-untyped-def]
    """Press "Dalej" through all eight steps; returns the NIP question."""
    message = first
    for marker in GUIDE_MARKERS[1:]:
        message = await bot.press(user, message, "Dalej ▶", contains=marker)
    return await bot.press(user, message, "Dalej ▶", contains="Podaj NIP")


async def test_whole_token_onboarding(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1001)
    choice = await bot_app.say(user, "/start", contains="Wybierz, jak")
    first = await bot_app.press(user, choice, "🔑 Token (do 31.12.2026)", contains="Krok 1 z 8")
    assert GUIDE_MARKERS[0] in first.content
    assert {b.text for b in first.all_buttons} >= {"Dalej ▶", "✖ Przerwij"}
    ask_nip = await walk_guide(bot_app, user, first)
    # Back goes to the last guide step, Next returns to the question.
    step8 = await bot_app.press(user, ask_nip, "◀ Wstecz", contains="Krok 8 z 8")
    ask_nip = await bot_app.press(user, step8, "Dalej ▶", contains="Podaj NIP")
    await bot_app.say(user, f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}", contains="Wklej teraz token")
    token_message = await user.send_text(token)
    done = await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Gotowe" in m.content, timeout=20)
    assert nip in done.content
    assert token_message.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    tokens = await bot_app.table_rows("ksef_tokens")
    assert len(tokens) == 1 and token.encode() not in tokens[0]["token_blob"]
    assert await bot_app.services.companies.ksef_token(tokens[0]["company_id"]) == token
    assert set(tokens[0]["permissions"]) == {"InvoiceRead", "InvoiceWrite"}
    assert await bot_app.table_rows("chat_states") == []


async def to_token_question(bot: BotHarness, user, nip: str):  # type: ignore[no-untyped-def]
    """/start → "Mam już token" → NIP → the token question."""
    first = await bot.say(user, "/start", contains="Wybierz, jak")
    await bot.press(user, first, "Mam już token", contains="Podaj NIP")
    return await bot.say(user, nip, contains="Wklej teraz token")


async def test_token_limited_to_2026_is_announced_and_reminder_stored(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1002)
    await to_token_question(bot_app, user, nip)
    note = await bot_app.say(user, token, contains="31 grudnia 2026", timeout=20)
    assert "Przejdź na certyfikat" in {b.text for b in note.all_buttons}
    # Reminders wait for their day (tests/bot/test_onboarding_december.py: which ones, by the date)
    reminders = await bot_app.table_rows("reminders")
    assert reminders and all(r["sent_at"] is None and r["due_at"].month == 12 for r in reminders)


async def test_wrong_token_is_refused_and_nothing_stored(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1003)
    await to_token_question(bot_app, user, nip)
    forged = token[:-6] + ("000000" if not token.endswith("000000") else "111111")
    sent = await user.send_text(forged)
    answer = await bot_app.fake.wait_for_bot_message(
        user.chat_id, lambda m: "nie przyjął" in m.content, timeout=20)
    assert nip in answer.content
    assert sent.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert await bot_app.table_rows("ksef_tokens") == []
    assert await bot_app.table_rows("companies") == []
    # Still at the token step: the right token now connects.
    await bot_app.say(user, token, contains="Gotowe", timeout=20)


async def test_revoked_token_is_refused(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    bot_app.sim.revoke_token(token)
    user = bot_app.user(1010)
    await to_token_question(bot_app, user, nip)
    answer = await bot_app.say(user, token, contains="unieważniony", timeout=20)
    assert "nieaktywny" in answer.content
    assert await bot_app.table_rows("ksef_tokens") == []


async def test_token_without_the_right_to_issue(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    read_only = bot_app.sim.create_token(nip, ["InvoiceRead"])
    user = bot_app.user(1004)
    await to_token_question(bot_app, user, nip)
    answer = await bot_app.say(user, read_only, contains="uprawnień", timeout=20)
    assert "wystawianie faktur" in answer.content
    assert await bot_app.table_rows("ksef_tokens") == []
    assert await bot_app.table_rows("companies") == []


async def test_nip_with_a_bad_checksum(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    bad = nip[:9] + str((int(nip[9]) + 1) % 10)
    user = bot_app.user(1005)
    first = await bot_app.say(user, "/start", contains="Wybierz, jak")
    await bot_app.press(user, first, "Mam już token", contains="Podaj NIP")
    answer = await bot_app.say(user, bad, contains="cyfrę kontrolną")
    assert "wpisz ponownie" in answer.content
    letters = await bot_app.say(user, "abc", contains="To nie jest NIP")
    assert "10 cyfr" in letters.content
    assert await bot_app.table_rows("companies") == []
    await bot_app.say(user, nip, contains="Wklej teraz token")


async def test_nip_that_does_not_match_the_token(bot_app: BotHarness) -> None:
    _, token_a = bot_app.sim.create_subject()
    nip_b, _ = bot_app.sim.create_subject()
    user = bot_app.user(1006)
    await to_token_question(bot_app, user, nip_b)
    sent = await user.send_text(token_a)
    answer = await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "innego NIP" in m.content)
    assert nip_b in answer.content
    assert sent.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Podaj NIP" in m.content, after=answer)
    assert await bot_app.table_rows("companies") == []


async def test_token_pasted_instead_of_nip_is_deleted(bot_app: BotHarness) -> None:
    _, token = bot_app.sim.create_subject()
    user = bot_app.user(1007)
    first = await bot_app.say(user, "/start", contains="Wybierz, jak")
    await bot_app.press(user, first, "Mam już token", contains="Podaj NIP")
    sent = await user.send_text(token)
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "wygląda na token" in m.content)
    assert sent.message_id in bot_app.fake.deleted_message_ids(user.chat_id)


async def test_restart_in_the_middle_of_onboarding_resumes(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1008)
    choice = await bot_app.say(user, "/start", contains="Wybierz, jak")
    first = await bot_app.press(user, choice, "🔑 Token (do 31.12.2026)", contains="Krok 1 z 8")
    step2 = await bot_app.press(user, first, "Dalej ▶", contains="Krok 2 z 8")
    await bot_app.restart()
    step3 = await bot_app.press(user, step2, "Dalej ▶", contains="Krok 3 z 8")
    await bot_app.crash_and_restart()
    message = step3
    for number in range(4, 9):
        message = await bot_app.press(user, message, "Dalej ▶", contains=f"Krok {number} z 8")
    await bot_app.press(user, message, "Dalej ▶", contains="Podaj NIP")
    await bot_app.say(user, nip, contains="Wklej teraz token")
    await bot_app.crash_and_restart()
    await bot_app.say(user, token, contains="Gotowe", timeout=20)
    assert len(await bot_app.table_rows("ksef_tokens")) == 1


async def test_cancel_and_stop_leave_nothing(bot_app: BotHarness) -> None:
    nip, _ = bot_app.sim.create_subject()
    user = bot_app.user(1009)
    await to_token_question(bot_app, user, nip)
    await bot_app.say(user, "/cancel", contains="Przerwano")
    assert await bot_app.table_rows("chat_states") == []
    choice = await bot_app.say(user, "/start", contains="Wybierz, jak")
    first = await bot_app.press(user, choice, "🔑 Token (do 31.12.2026)", contains="Krok 1 z 8")
    await bot_app.press(user, first, "✖ Przerwij", contains="Przerwano")
    stale = await bot_app.press(user, first, "Dalej ▶", contains="nieaktualny")
    assert stale.content
    await bot_app.say(user, "/cancel", contains="Nic teraz nie trwa")
    assert await bot_app.table_rows("companies") == []


async def test_token_message_that_cannot_be_deleted_is_flagged(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1011)
    await to_token_question(bot_app, user, nip)
    bot_app.fake.fail_next("deleteMessage", status=400, description="Bad Request: message can't be deleted")
    warning = await bot_app.say(user, token, contains="Usuń ją, proszę, ręcznie", timeout=20)
    assert warning
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Gotowe" in m.content, timeout=20)


async def test_ksef_down_is_explained_and_nothing_stored(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(1012)
    await to_token_question(bot_app, user, nip)
    bot_app.sim.set_availability(api="down")
    try:
        answer = await bot_app.say(user, token, contains="Spróbuj ponownie", timeout=90)
        assert "niedostępny" in answer.content or "przerwy" in answer.content or "błędem" in answer.content
    finally:
        bot_app.sim.set_availability(api="up")
    assert await bot_app.table_rows("companies") == []
    await bot_app.say(user, token, contains="Gotowe", timeout=20)  # still at the token step
