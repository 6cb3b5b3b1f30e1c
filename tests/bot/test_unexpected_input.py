"""Every update gets an answer, none a traceback: stickers, photos, voice, locations and edited messages,
each answered with what the bot expects now; secrets sent where they were not asked for are deleted."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable

from PIL import Image

from bot.sandbox.botapi import ChatMessage, FakeUser
from tests.bot.test_certificates import PASSWORD, connected, to_key_question
from tests.bot.test_issuing import BUYER_NIP, ready
from tests.bot.test_sales_chat import issue
from tests.fixtures.bot import BotHarness

NOT_TEXT = "Tego rodzaju wiadomości nie odczytam"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


async def answers(bot: BotHarness, user: FakeUser, action: Callable[[], Awaitable[object]],
                  count: int) -> list[ChatMessage]:
    """Do ``action`` and return the bot's next ``count`` messages."""
    after = max((m.message_id for m in bot.fake.chat_messages(user.chat_id)), default=0)
    await action()
    return await answers_after(bot, user, after, count)


async def answers_after(bot: BotHarness, user: FakeUser, after: int, count: int) -> list[ChatMessage]:
    """The bot's first ``count`` messages after message ``after``."""
    def found() -> list[ChatMessage] | None:
        new = [m for m in bot.fake.bot_messages(user.chat_id) if m.message_id > after]
        return new[:count] if len(new) >= count else None

    result: list[ChatMessage] = await bot.fake.wait_until(found, message=f"{count} answers")
    return result


def no_apology(bot: BotHarness, user: FakeUser) -> None:
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if "Coś poszło nie tak" in m.content]


async def test_non_text_messages_are_answered_with_the_current_question(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 3501)
    first, second = await answers(bot_app, user, user.send_sticker, 2)
    assert NOT_TEXT in first.content and "Nic teraz nie trwa" in second.content
    await bot_app.say(user, f"/wystaw {BUYER_NIP} Usługa 1 x 100 23%", contains="nazwę nabywcy")
    for send in (user.send_voice, lambda: user.send_contact("+48600100200", "Ola"),
                 lambda: user.send_location(52.23, 21.01)):
        first, second = await answers(bot_app, user, send, 2)
        assert NOT_TEXT in first.content and "Podaj nazwę nabywcy" in second.content
    # A live location is edited by Telegram every few seconds: only its first message gets an answer.
    live = await user.send_location(52.23, 21.01, live_period=900)
    await answers_after(bot_app, user, live.message_id, 2)
    await user.edit(live, "")  # stands for a moved live location (an edit without text)
    after_edit = await bot_app.say(user, "ACME Sp. z o.o.")
    assert "adres nabywcy" in after_edit.content  # the next answer is to the name: nothing for the edit
    no_apology(bot_app, user)


async def test_photo_of_the_key_is_deleted_and_the_file_asked_for(bot_app: BotHarness) -> None:
    user, _ = await connected(bot_app, 3502)
    await to_key_question(bot_app, user)
    photo = await user.send_photo(png())
    lead, question = await answers_after(bot_app, user, photo.message_id, 2)
    assert photo.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert "mogło pokazywać klucz" in lead.content and "To zdjęcie, a potrzebny jest sam plik" in lead.content
    assert ".key" in question.content
    first, second = await answers(bot_app, user, user.send_sticker, 2)
    assert "Czekam na plik wysłany jako dokument" in first.content and ".key" in second.content
    no_apology(bot_app, user)


async def test_edits_are_taken_as_the_new_answer_only_when_that_makes_sense(bot_app: BotHarness) -> None:
    user = bot_app.user(3503)
    nip, _ = bot_app.sim.create_subject()
    command = await user.send_text("/ksef")
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Nie masz jeszcze" in m.content)
    edited = await bot_app.reply_to(user, lambda: user.edit(command, "/start"))
    assert "nie jest wykonywana jeszcze raz" in edited.content  # an edited command is not run
    first = await bot_app.say(user, "/start", contains="Wybierz, jak")
    await bot_app.press(user, first, "Mam już token", contains="Podaj NIP")
    typo = await user.send_text("526-025-02-7")
    await answers_after(bot_app, user, typo.message_id, 1)  # refused: the NIP is one digit short
    # The refused answer, corrected in place: the question still stands, so the edit answers it.
    await bot_app.reply_to(user, lambda: user.edit(typo, nip),
                           predicate=lambda m: "Wklej teraz token" in m.content)
    # Editing it again now (the answer was taken): nothing changes, the current question comes again.
    old, question = await answers(bot_app, user, lambda: user.edit(typo, "5260250274"), 2)
    assert "jest już przyjęta" in old.content and f"token KSeF dla NIP {nip}" in question.content
    no_apology(bot_app, user)


async def test_secrets_anywhere_are_deleted_with_a_reason(bot_app: BotHarness) -> None:
    user, nip = await connected(bot_app, 3504)
    _, token = bot_app.sim.create_subject()
    # A key sent outside any dialogue (by its content: the name says nothing).
    issued = bot_app.sim.issue_certificate(nip, "Offline", PASSWORD)
    stray = await user.send_document("plik.txt", issued["key"].encode())
    removed, _ = await answers_after(bot_app, user, stray.message_id, 2)
    assert stray.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert "kluczem prywatnym" in removed.content
    # A token pasted into another dialogue (the buyer's name of an invoice).
    company_id = (await bot_app.table_rows("companies"))[0]["id"]
    await bot_app.services.profiles.save(user.id, company_id, name="Firma", address=["ul. A 1", "00-001 Waw"],
                                         vat_exempt=False, bank_account=None, default_rate="23",
                                         payment_days=14)
    await bot_app.say(user, f"/wystaw {BUYER_NIP}", contains="nazwę nabywcy")
    pasted = await user.send_text(f"proszę: {token}")
    note, question = await answers_after(bot_app, user, pasted.message_id, 2)
    assert pasted.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert "tokenem KSeF" in note.content and "nazwę nabywcy" in question.content
    await bot_app.say(user, "/cancel", contains="Przerwano")
    # The certificate dialogue: the key sent again where the .cert is expected, then the password typed
    # as the certificate's name.
    await to_key_question(bot_app, user)
    await bot_app.upload(user, "offline.key", issued["key"].encode(), contains=".cert")
    again = await user.send_document("offline.key", issued["key"].encode())
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "kluczem prywatnym" in m.content,
                                            after=again.message_id)
    assert again.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    await bot_app.upload(user, "offline.crt", issued["cert"].encode(), contains="nazwę certyfikatu")
    typed = await user.send_text(PASSWORD)
    note, question = await answers_after(bot_app, user, typed.message_id, 2)
    assert typed.message_id in bot_app.fake.deleted_message_ids(user.chat_id)
    assert "hasłem" in note.content and "nazwę certyfikatu" in question.content
    await bot_app.say(user, "Offline 2026", contains="hasło")
    await bot_app.say(user, PASSWORD, contains="Certyfikat „Offline 2026” zapisany")
    assert [c["name"] for c in await bot_app.table_rows("certificates")] == ["Offline 2026"]
    no_apology(bot_app, user)


async def test_sales_and_correction_dialogues_take_an_edit_and_ask_again(bot_app: BotHarness) -> None:
    """The register's typed answers (a part payment) and a correction's questions behave as every other
    dialogue: an edited refused answer is taken, a sticker gets the question again."""
    bot = bot_app
    user, _, _ = await ready(bot, 3507)
    invoice = await issue(bot, user, f"/wystaw {BUYER_NIP} Malowanie ścian 40 m2 x 25 23%")
    listing = await bot.say(user, "/sprzedaz", contains="Wystawione faktury")
    card = await bot.press(user, listing, f"1. {invoice['number']} · ACME Sp. z o.o.", contains="Numer KSeF")
    await bot.press(user, card, "Wpłata częściowa", contains="Ile wpłacił nabywca")
    typo = await user.send_text("pięćset")
    await answers_after(bot, user, typo.message_id, 1)  # refused: not an amount
    taken = await bot.reply_to(user, lambda: user.edit(typo, "500 zł"),
                               predicate=lambda m: "Zapisano wpłatę" in m.content)
    assert "500,00" in taken.content
    menu = await bot.press(user, taken, "✏️ Koryguj", contains="Korekta faktury")
    line = await bot.press(user, menu, "Poz. 1: Malowanie ścian", contains="Co w niej poprawić")
    await bot.press(user, line, "Ilość", contains="właściwa ilość")
    first, second = await answers(bot, user, user.send_sticker, 2)
    assert NOT_TEXT in first.content and "Czekam na odpowiedź na pytanie powyżej" in second.content
    no_apology(bot, user)
