"""/ksef, several companies per chat, invitations by deep link, isolation between chats, /forget."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.store.models import User
from tests.fixtures.bot import BotHarness


async def connect_in_chat(bot: BotHarness, user: FakeUser, nip: str, token: str) -> None:
    """Connect a company by chat; returns once the bot said all it says after it (after the first company,
    the menu under the message field)."""
    without_menu = bot.fake.reply_keyboard(user.chat_id) == ()
    first = await bot.say(user, "/start", contains="Wybierz, jak")
    await bot.press(user, first, "Mam już token", contains="Podaj NIP")
    await bot.say(user, nip, contains="Wklej teraz token")
    done = await bot.say(user, token, contains="Twoje firmy", timeout=20)
    if without_menu:
        await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "Menu jest pod polem" in m.content,
                                            after=done)


async def company_cards(bot: BotHarness, user: FakeUser, count: int) -> list[ChatMessage]:
    """Send /ksef and return the ``count`` company messages (those with a NIP header)."""
    header = await bot.say(user, "/ksef", contains="Twoje firmy")
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "kolejną firmę" in m.content,
                                        after=header)
    return [m for m in bot.fake.bot_messages(user.chat_id, include_deleted=False)
            if m.message_id > header.message_id and m.content.startswith("NIP")][:count]


async def forged_press(bot: BotHarness, user: FakeUser, data: str) -> None:
    """A callback query with arbitrary data, as a modified client could send it."""
    some_message = bot.fake.bot_messages(user.chat_id)[-1]
    await bot.fake.push_update({"callback_query": {
        "id": "77" + str(some_message.message_id), "from": dict(user.info), "message": dict(some_message.raw),
        "chat_instance": "1", "data": data}})


async def test_two_companies_switch_and_remove(bot_app: BotHarness) -> None:
    user = bot_app.user(3001)
    nip_a, token_a = bot_app.sim.create_subject()
    nip_b, token_b = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip_a, token_a)
    await connect_in_chat(bot_app, user, nip_b, token_b)
    header = await bot_app.say(user, "/ksef", contains="Twoje firmy (2 firmy)")
    assert header
    cards = await company_cards(bot_app, user, 2)
    assert [nip_a in cards[0].content, nip_b in cards[1].content] == [True, True]
    assert "(aktywna)" in cards[1].content and "(aktywna)" not in cards[0].content
    assert "Logowanie: token KSeF, działa do 31 grudnia 2026" in cards[0].content
    # Several companies and none chosen: a command acting on "the" company asks to choose one.
    async with bot_app.db.transaction() as session:
        await session.execute(update(User).where(User.id == user.id).values(active_company_id=None))
    await bot_app.say(user, "/faktury", contains="Masz kilka firm")
    await bot_app.press(user, cards[0], "Ustaw jako aktywną", contains=f"Aktywna firma: NIP {nip_a}")
    view = await bot_app.services.companies.user(user.id)
    assert view is not None and view.active_company_id is not None
    cards = await company_cards(bot_app, user, 2)
    confirm = await bot_app.press(user, cards[1], "Usuń firmę", contains="Usunąć firmę")
    await bot_app.press(user, confirm, "Tak, usuń", contains=f"NIP {nip_b} została usunięta")
    assert [c["nip"] for c in await bot_app.table_rows("companies")] == [nip_a]
    assert len(await bot_app.table_rows("ksef_tokens")) == 1


async def test_invitation_link_gives_access_and_owner_can_remove_it(bot_app: BotHarness) -> None:
    owner, guest = bot_app.user(3002), bot_app.user(3003)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, owner, nip, token)
    # Without an invitation, the guest cannot connect the same NIP even with a valid token.
    first = await bot_app.say(guest, "/start", contains="Wybierz, jak")
    await bot_app.press(guest, first, "Mam już token", contains="Podaj NIP")
    refused = await bot_app.say(guest, nip, contains="już podłączona")
    assert "zaproszenie" in refused.content
    await bot_app.say(guest, "/cancel", contains="Przerwano")
    card = (await company_cards(bot_app, owner, 1))[0]
    invite = await bot_app.press(owner, card, "Zaproś osobę", contains="t.me/")
    link = next(word for word in invite.content.split() if "t.me/" in word)
    payload = link.split("start=", 1)[1]
    joined = await bot_app.say(guest, f"/start {payload}", contains="Masz teraz dostęp")
    assert nip in joined.content
    guest_card = (await company_cards(bot_app, guest, 1))[0]
    assert "dostęp z zaproszenia" in guest_card.content
    assert "Wymień token" not in {b.text for b in guest_card.all_buttons}
    # The link works once.
    again = bot_app.user(3004)
    await bot_app.say(again, f"/start {payload}", contains="już wykorzystany")
    card = (await company_cards(bot_app, owner, 1))[0]
    members = await bot_app.press(owner, card, "Osoby z dostępem", contains="Osoby z dostępem")
    assert "3003" in members.content
    await bot_app.press(owner, members, "Odbierz dostęp 3003", contains="nie ma już dostępu")
    await bot_app.say(guest, "/ksef", contains="Nie masz jeszcze podłączonej firmy")


async def test_second_chat_can_neither_see_nor_act_on_the_first_chats_company(bot_app: BotHarness) -> None:
    owner, stranger = bot_app.user(3005), bot_app.user(3006)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, owner, nip, token)
    company_id = (await bot_app.table_rows("companies"))[0]["id"]
    listing = await bot_app.say(stranger, "/ksef", contains="Nie masz jeszcze podłączonej firmy")
    assert nip not in listing.content
    for data in (f"co:sw:{company_id}", f"co:rmy:{company_id}", f"co:inv:{company_id}",
                 f"co:tok:{company_id}", f"co:cert:{company_id}", f"co:mem:{company_id}",
                 f"co:mrm:{company_id}:{owner.id}"):
        answer = await bot_app.reply_to(stranger, lambda d=data: forged_press(bot_app, stranger, d))
        assert "Nie masz dostępu" in answer.content, (data, answer.content)
        assert nip not in answer.content
    assert len(await bot_app.table_rows("companies")) == 1
    assert len(await bot_app.table_rows("company_members")) == 1
    assert await bot_app.table_rows("invitations") == []
    await bot_app.say(stranger, "/certificate", contains="Najpierw połącz firmę")


async def test_forget_deletes_everything_after_confirmation(bot_app: BotHarness) -> None:
    user = bot_app.user(3007)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip, token)
    question = await bot_app.say(user, "/forget", contains="wszystkie")
    await bot_app.press(user, question, "Nie", contains="nic nie zmieniam")
    assert len(await bot_app.table_rows("companies")) == 1
    question = await bot_app.say(user, "/forget", contains="wszystkie")
    await bot_app.press(user, question, "Tak, usuń wszystko", contains="dane zostały usunięte")
    for table in ("users", "companies", "company_members", "ksef_tokens", "certificates", "reminders",
                  "chat_states", "uploads", "invitations"):
        rows: list[dict[str, Any]] = await bot_app.table_rows(table)
        assert rows == [], table
    assert nip.encode() not in await bot_app.dump_database()


async def test_language_switch_to_english(bot_app: BotHarness) -> None:
    user = bot_app.user(3008)
    choose = await bot_app.say(user, "/language", contains="Choose")
    await bot_app.press(user, choose, "English", contains="Language set to English")
    first = await bot_app.say(user, "/start", contains="Choose how")
    await bot_app.press(user, first, "I already have a token", contains="Send the company's NIP")
    await bot_app.say(user, "123", contains="That is not a NIP")


async def test_replace_token_and_remove_certificate_from_the_overview(bot_app: BotHarness) -> None:
    user = bot_app.user(3009)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip, token)
    company_id = (await bot_app.table_rows("companies"))[0]["id"]
    issued = bot_app.sim.issue_certificate(nip, "Offline", "haslo-123456")
    await bot_app.services.certificates.add(user.id, company_id, "Stary", issued["key"].encode(),
                                            issued["cert"].encode(), "haslo-123456")
    card = (await company_cards(bot_app, user, 1))[0]
    assert "Stary" in card.content and "ważny do" in card.content
    question = await bot_app.press(user, card, "Wymień token", contains="Wklej nowy token")
    assert question
    new_token = bot_app.sim.create_token(nip, ["InvoiceRead", "InvoiceWrite"])
    await bot_app.say(user, new_token, contains="wymieniony", timeout=20)
    assert await bot_app.services.companies.ksef_token(company_id) == new_token
    card = (await company_cards(bot_app, user, 1))[0]
    await bot_app.press(user, card, "Usuń certyfikat Stary", contains="Certyfikat usunięty")
    assert await bot_app.table_rows("certificates") == []
    kinds = [r["kind"] for r in await bot_app.table_rows("reminders")]  # which ones depends on the date
    assert kinds and set(kinds) <= {"token_expiry", "token_switch"}


async def test_add_company_button_starts_the_guide(bot_app: BotHarness) -> None:
    user = bot_app.user(3010)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, user, nip, token)
    header = await bot_app.say(user, "/ksef", contains="Twoje firmy (1 firma)")
    offer = await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "kolejną firmę" in m.content,
                                                    after=header)
    await bot_app.press(user, offer, "Dodaj firmę", contains="Wybierz, jak")


async def test_member_can_leave_and_owner_keeps_the_company(bot_app: BotHarness) -> None:
    owner, guest = bot_app.user(3011), bot_app.user(3012)
    nip, token = bot_app.sim.create_subject()
    await connect_in_chat(bot_app, owner, nip, token)
    company_id = (await bot_app.table_rows("companies"))[0]["id"]
    payload = await bot_app.services.members.invite(owner.id, company_id)
    await bot_app.say(guest, f"/start {payload}", contains="Masz teraz dostęp")
    card = (await company_cards(bot_app, guest, 1))[0]
    assert {b.text for b in card.all_buttons} == {"Opuść firmę"}  # already active; no owner actions
    confirm = await bot_app.press(guest, card, "Opuść firmę", contains="Zrezygnować")
    await bot_app.press(guest, confirm, "Tak, usuń", contains="Nie masz już dostępu")
    assert len(await bot_app.table_rows("companies")) == 1
    assert [m["user_id"] for m in await bot_app.table_rows("company_members")] == [owner.id]


async def test_failure_inside_a_handler_gets_an_apology(bot_app: BotHarness) -> None:
    user = bot_app.user(3013)
    bot_app.fake.fail_next("sendMessage", status=400, description="Bad Request: something odd")
    apology = await bot_app.say(user, "/ksef", contains="Coś poszło nie tak")
    assert apology
    await bot_app.say(user, "/ksef", contains="Nie masz jeszcze podłączonej firmy")  # and it goes on
