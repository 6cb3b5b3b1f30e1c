"""Finding what the bot can do: /pomoc with a fast path that works as shown, the main actions after
text outside a dialogue and after unknown commands, the menu under the message field (also mid-dialogue),
the settings screen edited in place, saved buyers as buttons and both command menus."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.app import COMMANDS
from bot.chat.menu import FAST_PATH_EXAMPLE, FAST_PATH_EXAMPLE_EN, known_commands
from bot.runner import BotRuntime
from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.store.models_inbox import InboxPrefs
from tests.bot.test_companies import forged_press
from tests.bot.test_issuing import BUYER_NIP, ready
from tests.fixtures.bot import BotHarness

ACTIONS = {"🧾 Wystaw fakturę", "📥 Faktury zakupowe", "📤 Sprzedaż", "📡 Czy KSeF działa", "⚙️ Ustawienia",
           "❓ Pomoc"}
MENU_PL = (("🧾 Wystaw", "📥 Faktury", "📤 Sprzedaż"), ("⚙️ Ustawienia", "❓ Pomoc"))
MENU_EN = (("🧾 Issue", "📥 Invoices", "📤 Sales"), ("⚙️ Settings", "❓ Help"))


def labels(message: ChatMessage) -> set[str]:
    return {b.text for b in message.all_buttons}


async def prefs(bot: BotHarness, user_id: int) -> InboxPrefs:
    async with bot.db.transaction() as session:
        row = (await session.execute(select(InboxPrefs).where(InboxPrefs.user_id == user_id))).scalar_one()
        session.expunge(row)
        return row


async def no_message_after(bot: BotHarness, user: FakeUser, after: int, text: str) -> None:
    """Nothing containing ``text`` came after message ``after``: a later command's answer is awaited
    first (updates of one chat are handled one after another)."""
    await bot.say(user, "/status", contains="KSeF")
    assert not [m for m in bot.fake.bot_messages(user.chat_id) if m.message_id > after and text in m.content]


async def test_help_shows_the_actions_and_a_fast_path_that_works_as_shown(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 9101)
    shown = await bot_app.say(user, "/pomoc", contains="Bot KSeF")
    assert labels(shown) == ACTIONS
    for command in ("/wystaw", "/faktury", "/sprzedaz", "/ustawienia", "/status", "/anuluj"):
        assert command in shown.content
    # The one-line example, copied from the help exactly as it reads, issues as described.
    example = next(line for line in shown.content.splitlines() if line.startswith("/wystaw "))
    assert example == FAST_PATH_EXAMPLE and BUYER_NIP in example
    await bot_app.say(user, example, contains="nazwę nabywcy")
    await bot_app.say(user, "ACME Sp. z o.o.", contains="adres nabywcy")
    preview = await bot_app.say(user, "ul. Prosta 1; 00-950 Warszawa", contains="Podgląd faktury")
    flat = preview.content.replace("\xa0", " ")
    assert "Usługa programistyczna" in flat and "netto 1 500,00 zł, VAT 345,00 zł, brutto 1 845,00 zł" in flat
    await bot_app.press(user, preview, "✖ Anuluj", contains="")
    # /help answers too; its "issue" button starts the dialogue.
    again = await bot_app.say(user, "/help", contains="Bot KSeF")
    await bot_app.press(user, again, "🧾 Wystaw fakturę", contains="NIP nabywcy")


async def test_help_before_connecting_points_to_start(bot_app: BotHarness) -> None:
    user = bot_app.user(9102)
    shown = await bot_app.say(user, "/help", contains="Bot KSeF")
    assert shown.content.startswith("Zacznij od podłączenia firmy") and "/start" in shown.content
    assert labels(shown) == {"🔌 Podłącz firmę", "📡 Czy KSeF działa", "❓ Pomoc"}
    await bot_app.say(user, "/ustawienia", contains="Ustawienia dotyczą firmy")
    idle = await bot_app.say(user, "hej", contains="Nic teraz nie trwa")
    assert "/start" in idle.content and labels(idle) == {"🔌 Podłącz firmę", "📡 Czy KSeF działa", "❓ Pomoc"}
    guide = await bot_app.press(user, shown, "🔌 Podłącz firmę", contains="Wybierz, jak")
    assert guide.all_buttons  # the login choice, as after /start
    idle = await bot_app.say(user, "/anuluj", contains="Przerwano")
    assert idle.content


async def test_text_outside_a_dialogue_and_unknown_commands_get_the_actions(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 9103)
    for words in ("pomoc", "Pomoc!", "  help ", "?", "Co umiesz?"):
        asked = await bot_app.say(user, words)
        assert asked.content.startswith("Bot KSeF wystawia") and labels(asked) == ACTIONS, words
    idle = await bot_app.say(user, "dzień dobry", contains="Nic teraz nie trwa")
    assert labels(idle) == ACTIONS and "/forget" not in idle.content
    status = await bot_app.press(user, idle, "📡 Czy KSeF działa", contains="KSeF")
    assert "Nic teraz nie trwa" not in status.content
    unknown = await bot_app.say(user, "/xyz", contains="Nie znam polecenia")
    assert "Nie znam polecenia /xyz" in unknown.content and labels(unknown) == ACTIONS
    nothing = await bot_app.say(user, "/anuluj", contains="Nic teraz nie trwa")
    assert labels(nothing) == ACTIONS
    huge = await bot_app.say(user, "/" + "x" * 3000, contains="Nie znam polecenia")
    assert len(huge.content) < 200 and labels(huge) == ACTIONS
    for data in ("mn:go:nothing", "mn:go", "mn:stop:1", "mn:go:issue:1"):
        stale = await bot_app.reply_to(user, lambda d=data: forged_press(bot_app, user, d))
        assert "nieaktualny" in stale.content, data
    # Known commands (Polish and English names) get their own answer only.
    mark = (await bot_app.say(user, "/jezyk", contains="Wybierz język")).message_id
    await bot_app.say(user, "/settings", contains="Ustawienia")
    await no_message_after(bot_app, user, mark - 1, "Nie znam polecenia")
    # In a dialogue an unknown command is named and the question asked again; the dialogue goes on.
    await bot_app.say(user, "/wystaw", contains="NIP nabywcy")
    lead = await bot_app.say(user, "/foo@ksef_test_bot 12", contains="Nie znam polecenia")
    assert "/foo@ksef_test_bot" in lead.content and not lead.all_buttons
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "NIP nabywcy" in m.content, after=lead)
    await bot_app.say(user, BUYER_NIP, contains="nazwę nabywcy")


async def test_settings_buttons_change_the_flags_and_edit_the_message(bot_app: BotHarness) -> None:
    user, nip, company_id = await ready(bot_app, 9104)
    screen = await bot_app.say(user, "/ustawienia", contains="Ustawienia")
    assert nip in screen.content and "Powiadomienia: włączone" in screen.content
    assert "Cisza nocna: wyłączona" in screen.content and "Podsumowanie miesiąca: włączone" in screen.content

    async def press(button: str, expect: str) -> ChatMessage:
        before = len(bot_app.fake.bot_messages(user.chat_id))
        await user.press(screen, button)

        def edited() -> ChatMessage | None:
            current = bot_app.fake.message(user.chat_id, screen.message_id)
            return current if current is not None and expect in current.content else None

        result: ChatMessage = await bot_app.fake.wait_until(edited, message=expect)
        assert len(bot_app.fake.bot_messages(user.chat_id)) == before  # edited, nothing new sent
        return result

    shown = await press("🔕 Wycisz powiadomienia", "Powiadomienia: wyłączone")
    assert "🔔 Włącz powiadomienia" in labels(shown) and (await prefs(bot_app, 9104)).muted
    shown = await press("⏰ Wyłącz przypomnienia", "Przypomnienia o zapłacie: wyłączone")
    assert "⏰ Włącz przypomnienia" in labels(shown)
    shown = await press("📊 Wyłącz podsumowanie", "Podsumowanie miesiąca: wyłączone")
    stored = await prefs(bot_app, 9104)
    assert stored.payment_reminders is False and stored.month_summary is False and stored.muted
    picker = await press("🌙 Cisza nocna: wyłączona", "Wybierz godziny")
    assert {"22:00–07:00", "✓ Bez ciszy nocnej", "◀ Wróć"} <= labels(picker)
    shown = await press("22:00–07:00", "Cisza nocna: 22:00–07:00")
    stored = await prefs(bot_app, 9104)
    assert (stored.quiet_from, stored.quiet_to) == (22 * 60, 7 * 60)
    assert "🌙 Cisza nocna: 22:00–07:00" in labels(shown)
    picker = await press("🌙 Cisza nocna: 22:00–07:00", "Wybierz godziny")
    assert "✓ 22:00–07:00" in labels(picker)
    await press("◀ Wróć", "Cisza nocna: 22:00–07:00")
    # The same value again (an old message's button): nothing changes, no error, no new message.
    mark = bot_app.fake.bot_messages(user.chat_id)[-1].message_id
    count = len(bot_app.fake.bot_messages(user.chat_id))
    await forged_press(bot_app, user, f"se:rem:{company_id}:off")
    await press("⏰ Włącz przypomnienia", "Przypomnienia o zapłacie: włączone")
    assert len(bot_app.fake.bot_messages(user.chat_id)) == count
    assert (await prefs(bot_app, 9104)).payment_reminders is True
    # The typed commands still work and the screen shows what they set.
    await bot_app.say(user, "/powiadomienia wlacz", contains="NIP")
    await bot_app.say(user, "/cisza wylacz", contains="NIP")
    again = await bot_app.say(user, "/settings", contains="Ustawienia")
    assert "Powiadomienia: włączone" in again.content and "Cisza nocna: wyłączona" in again.content
    # Forged or foreign data: the stale answer or no access, never a change.
    stale = await bot_app.reply_to(user, lambda: forged_press(bot_app, user, f"se:mute:{company_id}:maybe"))
    assert "nieaktualny" in stale.content
    foreign = f"se:mute:{company_id + 99}:on"
    denied = await bot_app.reply_to(user, lambda: forged_press(bot_app, user, foreign))
    assert "dostępu" in denied.content
    assert not (await prefs(bot_app, 9104)).muted
    assert not [m for m in bot_app.fake.bot_messages(user.chat_id)
                if m.message_id > mark and "Coś poszło nie tak" in m.content]


async def test_menu_under_the_message_field_after_connecting_and_its_labels(bot_app: BotHarness) -> None:
    nip, token = bot_app.sim.create_subject()
    user = bot_app.user(9105)
    first = await bot_app.say(user, "/start", contains="Wybierz, jak")
    await bot_app.press(user, first, "Mam już token", contains="Podaj NIP")
    await bot_app.say(user, nip, contains="Wklej teraz token")
    assert bot_app.fake.reply_keyboard(user.chat_id) == ()
    await bot_app.say(user, token, contains="Menu jest pod polem wiadomości", timeout=20)
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_PL
    await bot_app.reply_to(user, lambda: user.tap("❓ Pomoc"), predicate=lambda m: "Bot KSeF" in m.content)
    await bot_app.reply_to(user, lambda: user.tap("⚙️ Ustawienia"), predicate=lambda m: nip in m.content)
    await bot_app.reply_to(user, lambda: user.tap("📥 Faktury"), predicate=lambda m: bool(m.content))
    # A label typed by hand without the emoji variation selector is the same button.
    await bot_app.say(user, "⚙ ustawienia", contains="Powiadomienia")
    # Choosing English relabels the menu; /menu shows it too; the Polish labels still work.
    chooser = await bot_app.say(user, "/jezyk", contains="Wybierz język")
    await bot_app.press(user, chooser, "English", contains="Language set to English")
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_EN
    await bot_app.say(user, "/menu", contains="The menu is under the message field")
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_EN
    await bot_app.reply_to(user, lambda: user.tap("❓ Help"), predicate=lambda m: "KSeF bot" in m.content)
    await bot_app.say(user, "❓ Pomoc", contains="KSeF bot")


async def test_menu_labels_do_not_replace_a_dialogue_in_progress(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 9106)
    await bot_app.say(user, "/menu", contains="Menu jest pod polem wiadomości")
    await bot_app.say(user, "/wystaw", contains="NIP nabywcy")
    busy = await bot_app.reply_to(user, lambda: user.tap("🧾 Wystaw"),
                                  predicate=lambda m: "dokończ" in m.content)
    assert labels(busy) == {"✖ Przerwij i wystaw nową fakturę"}
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "NIP nabywcy" in m.content, after=busy)
    # Help is shown without leaving the dialogue: the NIP typed next is still the buyer's.
    await bot_app.reply_to(user, lambda: user.tap("❓ Pomoc"), predicate=lambda m: "Bot KSeF" in m.content)
    await bot_app.say(user, BUYER_NIP, contains="nazwę nabywcy")
    # "Stop and issue" leaves the dialogue and starts a new one.
    await bot_app.press(user, busy, "✖ Przerwij i wystaw nową fakturę", contains="NIP nabywcy")
    dialog = await bot_app.services.dialogs.get(user.chat_id)
    assert dialog is not None and dialog.step == "buyer"


async def test_saved_buyers_are_buttons_that_fill_the_nip(bot_app: BotHarness) -> None:
    user, _, company_id = await ready(bot_app, 9107)
    other_user, _, other_company = await ready(bot_app, 9108)
    async with bot_app.db.transaction() as session:
        for number in range(8):
            nip = BUYER_NIP if number == 7 else f"{number + 1:03d}0000000"
            name = f"Kontrahent numer {number} ze zbyt długą nazwą firmy"
            await bot_app.services.contractors.remember(session, company_id, nip, name, ["ul. Prosta 1"])
            bot_app.clock.advance(timedelta(seconds=1))
        await bot_app.services.contractors.remember(session, other_company, BUYER_NIP, "Cudzy", ["ul. Obca"])
    question = await bot_app.say(user, "/wystaw", contains="NIP nabywcy")
    buyers = [b for b in question.all_buttons if b.callback_data and b.callback_data.startswith("iv:by:")]
    assert len(buyers) == 6 and "wybierz nabywcę" in question.content
    newest = buyers[0]
    assert newest.text.endswith("· …0274") and len(newest.text) <= 40 and "…" in newest.text
    assert BUYER_NIP not in question.content  # buttons, not a list of NIPs to copy
    line = await bot_app.press(user, question, newest.text, contains="pozycję faktury")
    dialog = await bot_app.services.dialogs.get(user.chat_id)
    assert dialog is not None and dialog.data["draft"]["buyer"]["nip"] == BUYER_NIP
    assert dialog.data["draft"]["buyer"]["name"].startswith("Kontrahent numer 7")
    # Pressed again once the question moved on, or another company's buyer: a stale button.
    stale = await bot_app.press(user, question, newest.text, contains="nieaktualny")
    assert stale.message_id > line.message_id
    await bot_app.say(user, "/wystaw", contains="NIP nabywcy")
    foreign = re.sub(r"\d+$", "", newest.callback_data or "")
    async with bot_app.db.transaction() as session:
        from bot.store.models_issuing import Contractor
        other_id = (await session.execute(select(Contractor.id).where(
            Contractor.company_id == other_company))).scalar_one()
    answer = await bot_app.reply_to(user, lambda: forged_press(bot_app, user, f"{foreign}{other_id}"))
    assert "nieaktualny" in answer.content
    assert (await bot_app.services.dialogs.get(user.chat_id)).step == "buyer"  # type: ignore[union-attr]
    del other_user


async def test_both_command_menus_name_handled_commands(bot_factory: object) -> None:
    bot_app: BotHarness = await bot_factory(set_commands=True)  # type: ignore[operator]
    runtime = bot_app.runtime
    assert isinstance(runtime, BotRuntime) and runtime.application is not None
    handled = known_commands(runtime.application)
    for lang, commands in COMMANDS.items():
        names = [name for name, _ in commands]
        assert len(names) == len(set(names)), lang
        assert set(names) <= handled, (lang, set(names) - handled)
        assert all(re.fullmatch(r"[a-z0-9_]{1,32}", n) and 3 <= len(d) <= 256 for n, d in commands)
    polish = {name for name, _ in COMMANDS["pl"]}
    english = {name for name, _ in COMMANDS["en"]}
    assert {"wystaw", "faktury", "sprzedaz", "anuluj", "certyfikat", "logowanie", "zapomnij", "ustawienia",
            "pomoc", "jezyk"} <= polish
    assert {"invoice", "invoices", "sales", "cancel", "certificate", "certlogin", "forget", "settings",
            "help", "language"} <= english
    assert not polish & {"cancel", "forget", "help", "language", "settings", "certificate"}
    # Telegram got both menus: Polish as the default, English for English-speaking clients.
    await bot_app.fake.wait_for_call("setMyCommands", 2)
    sent = {call.params.get("language_code"): [c["command"] for c in call.params["commands"]]
            for call in bot_app.fake.calls_of("setMyCommands")}
    assert sent[None] == [n for n, _ in COMMANDS["pl"]] and sent["en"] == [n for n, _ in COMMANDS["en"]]


async def test_settings_of_each_company_apart(bot_app: BotHarness) -> None:
    user, nip_a, company_a = await ready(bot_app, 9109)
    nip_b, token_b = bot_app.sim.create_subject()
    await bot_app.services.connect.connect_token(9109, user.chat_id, nip_b, token_b)
    company_b = next(c.id for c in await bot_app.services.companies.list(9109) if c.nip == nip_b)
    await bot_app.services.companies.switch(9109, company_a)
    screen = await bot_app.say(user, "/ustawienia", contains="Ustawienia")
    assert nip_a in screen.content and f"🏢 Ustawienia firmy NIP {nip_b}" in labels(screen)
    await user.press(screen, f"🏢 Ustawienia firmy NIP {nip_b}")

    def showing(nip: str, text: str) -> ChatMessage | None:
        current = bot_app.fake.message(user.chat_id, screen.message_id)
        return current if current is not None and nip in current.content and text in current.content else None

    other = await bot_app.fake.wait_until(lambda: showing(nip_b, "Powiadomienia: włączone"))
    assert f"🏢 Ustawienia firmy NIP {nip_a}" in labels(other)
    await user.press(screen, "🔕 Wycisz powiadomienia")
    await bot_app.fake.wait_until(lambda: showing(nip_b, "Powiadomienia: wyłączone"))
    async with bot_app.db.transaction() as session:
        muted = dict((await session.execute(select(InboxPrefs.company_id, InboxPrefs.muted).where(
            InboxPrefs.user_id == 9109))).all())
    assert muted == {company_b: True}  # the other company's row only; the active company untouched
    assert (await bot_app.services.companies.require_active_company(9109)).id == company_a


async def test_english_help_shows_the_english_command_with_the_same_example(bot_app: BotHarness) -> None:
    user, _, _ = await ready(bot_app, 9110)
    await bot_app.services.companies.set_language(9110, user.chat_id, "en")
    shown = await bot_app.say(user, "/help", contains="KSeF bot")
    assert labels(shown) == {"🧾 Issue an invoice", "📥 Purchase invoices", "📤 Sales", "📡 Is KSeF working",
                             "⚙️ Settings", "❓ Help"}
    example = next(line for line in shown.content.splitlines() if line.startswith("/invoice "))
    assert example == FAST_PATH_EXAMPLE_EN
    for command in ("/invoices", "/sales", "/settings", "/cancel"):
        assert command in shown.content
    await bot_app.reply_to(user, lambda: user.send_text(example))
    dialog = await bot_app.services.dialogs.get(user.chat_id)
    assert dialog is not None and dialog.step == "buyer_name"  # the buyer's NIP and the line were taken
    assert dialog.data["draft"]["lines"][0]["name"] == "Usługa programistyczna"


async def test_start_of_a_connected_user_brings_the_menu_then_the_choice(bot_app: BotHarness) -> None:
    # Connected through the services, as users from before the menu existed: no menu in their chat.
    user, _, _ = await ready(bot_app, 9111)
    assert bot_app.fake.reply_keyboard(user.chat_id) == ()
    choice = await bot_app.say(user, "/start", contains="Wybierz, jak")
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_PL
    shown = [m for m in bot_app.fake.bot_messages(user.chat_id) if "Menu jest pod polem" in m.content]
    assert len(shown) == 1 and shown[0].message_id < choice.message_id  # the menu first, then the choice
    assert "Mam już token" in labels(choice)  # adding another company still starts here


async def test_language_from_settings_relabels_the_menu_under_the_message_field(bot_app: BotHarness) -> None:
    user, nip, _ = await ready(bot_app, 9112)
    await bot_app.say(user, "/menu", contains="Menu jest pod polem wiadomości")
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_PL
    screen = await bot_app.say(user, "/ustawienia", contains="Ustawienia")
    await user.press(screen, "🌐 English")
    # The settings message is edited in English, and one short message puts the English menu in place.
    said = await bot_app.fake.wait_for_bot_message(
        user.chat_id, lambda m: "Language set to English" in m.content, after=screen)
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_EN
    edited = bot_app.fake.message(user.chat_id, screen.message_id)
    assert edited is not None and "Notifications: on" in edited.content and nip in edited.content
    assert "🌐 Polski" in labels(edited)
    assert await bot_app.services.companies.language(9112) == "en"
    await bot_app.reply_to(user, lambda: user.tap("⚙️ Settings"), predicate=lambda m: "Settings" in m.content)
    # Back to Polish from the same (edited) message: the Polish menu again.
    await user.press(edited, "🌐 Polski")
    await bot_app.fake.wait_for_bot_message(user.chat_id, lambda m: "Ustawiono język polski" in m.content,
                                            after=said)
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_PL
    # A setting that is not the language edits the message only: no new message, the menu stays.
    count = len(bot_app.fake.bot_messages(user.chat_id))
    await user.press(screen, "🔕 Wycisz powiadomienia")

    def muted() -> ChatMessage | None:
        current = bot_app.fake.message(user.chat_id, screen.message_id)
        return current if current is not None and "Powiadomienia: wyłączone" in current.content else None

    await bot_app.fake.wait_until(muted, message="muted")
    assert len(bot_app.fake.bot_messages(user.chat_id)) == count
    assert bot_app.fake.reply_keyboard(user.chat_id) == MENU_PL
