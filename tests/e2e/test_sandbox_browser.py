"""The sandbox in a real browser: headless Debian Chromium (driven by Playwright) onboards the demo
company through the web chat page, and a screenshot is kept in ``test-artifacts/sandbox.png``."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.run import Sandbox
from tests.bot.test_unexpected_input import png
from tests.paths import REPO

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = REPO / "test-artifacts"


def chromium_path() -> str | None:
    """Debian's chromium (``KSEFBOT_CHROMIUM`` overrides); never a browser downloaded by Playwright."""
    candidates = [os.environ.get("KSEFBOT_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@contextlib.asynccontextmanager
async def browser_page(**context_options: Any) -> AsyncIterator[Any]:
    """A tab of Debian's headless Chromium (skips the test when it is not installed)."""
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium not found: install Debian's package (apt-get install chromium) "
                    "or set KSEFBOT_CHROMIUM to its path")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            context = await browser.new_context(locale="pl-PL", **context_options)
            tab = await context.new_page()
            tab.set_default_timeout(20_000)
            yield tab
        finally:
            await browser.close()


@pytest.fixture
async def page() -> AsyncIterator[Any]:
    async with browser_page(viewport={"width": 1200, "height": 900}) as tab:
        yield tab


async def open_panel(page: Any) -> None:
    """Show the side panel (a drawer, closed at first, on a phone-sized screen)."""
    toggle = page.locator("#panel-toggle")
    if await toggle.get_attribute("aria-expanded") != "true":
        await toggle.click()
    await page.locator("#panel").get_by_role("heading", name="Sandbox").wait_for()


async def paste_from_panel(page: Any, field: str) -> None:
    """The panel's "kopiuj" next to ``field`` puts its value into the message box; then send it."""
    await open_panel(page)
    await page.click(f"button.copy[data-copy='{field}']")
    await page.click("#send")


async def connect_demo_company(sandbox: Sandbox, page: Any, *, walk_guide: bool) -> None:
    """/start on the page, the token guide (every step, or "Mam już token"), NIP and token pasted."""
    from playwright.async_api import expect

    assert sandbox.demo is not None
    await page.goto(sandbox.url)
    # The cheat sheet shows the demo company.
    await expect(page.locator("#demo-nip")).to_have_text(sandbox.demo.nip, timeout=5_000)
    await expect(page.locator("#demo-token")).to_have_text(sandbox.demo.token)

    await page.click("button.cmd[data-cmd='/start']")
    await expect(page.locator(".msg.bot", has_text="Wybierz, jak")).to_be_visible()
    if walk_guide:
        await page.locator(".msg.bot").last.get_by_role("button", name="🔑 Token (do 31.12.2026)").click()
        await expect(page.locator(".msg.bot", has_text="Krok 1 z 8")).to_be_visible()
        for step in range(2, 9):  # one message turned page by page
            await expect(page.locator(".msg.bot", has_text=" z 8.")).to_have_count(1)
            await page.locator(".msg.bot").last.get_by_role("button", name="Dalej ▶").click()
            await expect(page.locator(".msg.bot", has_text=f"Krok {step} z 8").last).to_be_visible()
        await page.locator(".msg.bot").last.get_by_role("button", name="Dalej ▶").click()
    else:
        await page.locator(".msg.bot").last.get_by_role("button", name="Mam już token").click()
    await expect(page.locator(".msg.bot", has_text="Podaj NIP").last).to_be_visible()

    # "kopiuj" puts the value into the message box, as a visitor would paste it.
    await paste_from_panel(page, "demo-nip")
    await expect(page.locator(".msg.bot", has_text="Wklej teraz token").last).to_be_visible()
    await paste_from_panel(page, "demo-token")
    await expect(page.locator(".msg.bot", has_text="Gotowe").last).to_be_visible(timeout=30_000)


async def test_onboarding_in_a_browser(sandbox: Sandbox, page: Any) -> None:
    from playwright.async_api import expect

    assert sandbox.demo is not None
    await connect_demo_company(sandbox, page, walk_guide=True)
    # The bot deleted the pasted token: it is gone from the conversation on the page.
    await expect(page.locator("#messages")).not_to_contain_text(sandbox.demo.token)
    assert await page.locator(".msg.user").count() >= 2

    # A document goes up through the page's file picker and comes back byte for byte from its link.
    content = b"Notatka z sandboxa \xc5\xbc\n" * 50
    await page.set_input_files("#file", files=[{"name": "notatka.txt", "mimeType": "text/plain",
                                                "buffer": content}])
    link = page.locator(".msg.user a.doc", has_text="notatka.txt")
    await expect(link).to_be_visible()
    downloaded = await page.request.get(sandbox.url + str(await link.get_attribute("href")))
    assert await downloaded.body() == content

    # The simulator's failure switch on the page reaches the simulator, and back.
    await page.click("button.avail[data-mode='failure']")
    await expect(page.locator("#sim-status")).to_contain_text("Awaria KSeF")
    status = await page.request.get(sandbox.sim_url + "/latarnia/status")
    assert (await status.json())["status"] == "FAILURE"
    await page.click("button.avail[data-mode='up']")
    await expect(page.locator("#sim-status")).to_contain_text("KSeF działa")

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "sandbox.png"
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


async def test_invoice_notification_pdf_and_failure_alert_in_a_browser(sandbox: Sandbox, page: Any) -> None:
    """The page's "invoice now" button → the bot's notification naming the KSeF number → its PDF;
    the page's failure switch → the bot's KSeF failure alert."""
    from playwright.async_api import expect

    await connect_demo_company(sandbox, page, walk_guide=False)
    async with page.expect_response("**/api/sim/invoice") as injected:
        await page.click("#inject")
    number = (await (await injected.value).json())["ksefNumber"]
    notice = page.locator(".msg.bot", has_text=number).last
    await expect(notice).to_be_visible(timeout=40_000)
    await notice.get_by_role("button", name=re.compile("PDF")).click()
    pdf_link = page.locator(".msg.bot a.doc", has_text=".pdf").last
    await expect(pdf_link).to_be_visible(timeout=30_000)
    pdf = await page.request.get(sandbox.url + str(await pdf_link.get_attribute("href")))
    assert (await pdf.body()).startswith(b"%PDF")

    alerts_before = await page.locator(".msg.bot", has_text=re.compile("awari", re.I)).count()
    await page.click("button.avail[data-mode='failure']")
    alert = page.locator(".msg.bot", has_text=re.compile("awari", re.I))
    await expect(alert.nth(alerts_before)).to_be_visible(timeout=40_000)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "sandbox-invoice.png"))


async def test_stickers_photos_and_edits_on_a_phone_sized_page(sandbox: Sandbox, page: Any) -> None:
    """At 390×844: a sticker, a location, a photo and edited messages each get an answer saying what the
    bot expects now (screenshots: ``test-artifacts/sandbox-phone-*.png``)."""
    from playwright.async_api import expect

    assert sandbox.demo is not None
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(sandbox.url)
    await page.click("button.cmd[data-cmd='/start']")
    await expect(page.locator(".msg.bot", has_text="Wybierz, jak")).to_be_visible()
    await page.click("#sticker")
    await expect(page.locator(".msg.bot", has_text="Tego rodzaju wiadomości nie odczytam")).to_be_visible()
    await expect(page.locator(".msg.bot", has_text="Wybierz, jak")).to_have_count(2)  # the choice again
    await page.locator(".msg.bot").last.get_by_role("button", name="Mam już token").click()
    await expect(page.locator(".msg.bot", has_text="Podaj NIP").last).to_be_visible()
    await page.fill("#text", sandbox.demo.nip[:-1])  # one digit short: refused
    await page.click("#send")
    await expect(page.locator(".msg.bot").last).to_contain_text("NIP")
    ARTIFACTS.mkdir(exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")  # the chat fills the phone's screen
    await page.screenshot(path=str(ARTIFACTS / "sandbox-phone-sticker.png"))
    # Correct the refused NIP in place: the edit answers the question that still stands.
    await page.locator(".msg.user", has_text=sandbox.demo.nip[:-1]).last.click()
    await expect(page.locator("#editing")).to_be_visible()
    await page.fill("#text", sandbox.demo.nip)
    await page.click("#send")
    await expect(page.locator(".msg.bot", has_text="Wklej teraz token").last).to_be_visible()
    await expect(page.locator(".msg.user .edited").last).to_be_visible()
    # A photo where the token is asked for is deleted (it could show the token); a location is not text.
    await page.set_input_files("#photo", files=[{"name": "ekran.png", "mimeType": "image/png",
                                                 "buffer": png()}])
    await expect(page.locator(".msg.bot", has_text="Usunięto zdjęcie z czatu")).to_be_visible()
    await expect(page.locator(".msg.user img.photo")).to_have_count(0)
    await page.click("#location")
    await expect(page.locator(".msg.bot", has_text="Tego rodzaju wiadomości nie odczytam")).to_have_count(3)
    await expect(page.locator(".msg.bot", has_text="Usunięto zdjęcie z czatu").last).to_contain_text(
        "nie odczytam")  # one answer: why it went, and what is expected
    # Editing the NIP again now that it was taken: nothing changes, the current question comes again.
    await page.locator(".msg.user", has_text=sandbox.demo.nip).last.click()
    await page.fill("#text", "5260250274")
    await page.click("#send")
    await expect(page.locator(".msg.bot", has_text="jest już przyjęta")).to_be_visible()
    await expect(page.locator(".msg.bot").last).to_contain_text("Wklej teraz token")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.screenshot(path=str(ARTIFACTS / "sandbox-phone-edits.png"))
    await expect(page.locator(".msg.bot", has_text="Coś poszło nie tak")).to_have_count(0)
