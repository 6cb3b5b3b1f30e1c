"""The help and the main menu on a phone-sized screen (390×844, touch) in Debian's headless Chromium:
after connecting, the bot's menu sits under the message field and its buttons work; help shows the
one-line example; a settings button changes the state in the same message. Screenshots go to
``test-artifacts/``."""

from __future__ import annotations

from typing import Any

from bot.chat.menu import FAST_PATH_EXAMPLE
from bot.sandbox.run import Sandbox
from tests.e2e.test_sandbox_browser import ARTIFACTS, connect_demo_company
from tests.e2e.test_sandbox_phone import PHONE, inside_screen, phone  # noqa: F401  (the fixture)


async def test_phone_help_menu_and_a_settings_toggle(sandbox: Sandbox, phone: Any) -> None:  # noqa: F811
    from playwright.async_api import expect

    await connect_demo_company(sandbox, phone, walk_guide=False)
    keys = phone.locator("#reply-keyboard button.key")
    await expect(keys).to_have_count(5, timeout=10_000)
    assert await keys.all_inner_texts() == ["🧾 Wystaw", "📥 Faktury", "📤 Sprzedaż", "⚙️ Ustawienia",
                                            "❓ Pomoc"]
    # The menu and the message box both fit the screen, every label whole.
    assert await inside_screen(phone, "#reply-keyboard") and await inside_screen(phone, "#send")
    for index in range(5):
        assert await keys.nth(index).evaluate("b => b.scrollWidth <= b.clientWidth")

    await phone.locator("#reply-keyboard button.key", has_text="Pomoc").click()
    help_message = phone.locator(".msg.bot", has_text="Bot KSeF").last
    await expect(help_message).to_contain_text(FAST_PATH_EXAMPLE)
    await expect(help_message.get_by_role("button", name="🧾 Wystaw fakturę")).to_be_visible()
    await help_message.evaluate("el => el.scrollIntoView({block: 'start'})")  # its top: the example
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-help.png"))

    await phone.locator("#reply-keyboard button.key", has_text="Ustawienia").click()
    settings = phone.locator(".msg.bot", has_text="Ustawienia firmy").last
    await expect(settings).to_contain_text("Powiadomienia: włączone")
    count = await phone.locator(".msg.bot").count()
    await settings.get_by_role("button", name="🔕 Wycisz powiadomienia").click()
    # The same message now shows the new state and the opposite button; no new message.
    await expect(settings).to_contain_text("Powiadomienia: wyłączone")
    await expect(settings.get_by_role("button", name="🔔 Włącz powiadomienia")).to_be_visible()
    assert await phone.locator(".msg.bot").count() == count
    await settings.scroll_into_view_if_needed()
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-settings.png"))
