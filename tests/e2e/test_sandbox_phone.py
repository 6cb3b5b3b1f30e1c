"""The sandbox on a phone-sized screen (390×844, touch) in Debian's headless Chromium: the chat takes
the screen with its Send button in reach, the panel is a drawer; an invoice issued by the one-line
fast path arrives as PDF and QR code; a demo certificate from the panel logs the company in.
Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.sandbox.run import SANDBOX_USER_ID, Sandbox
from tests.e2e.test_sandbox_browser import ARTIFACTS, browser_page, connect_demo_company, open_panel

PHONE = {"width": 390, "height": 844}
BUYER_NIP = "5260250274"


@pytest.fixture
async def phone() -> AsyncIterator[Any]:
    async with browser_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True) as tab:
        yield tab


async def send(page: Any, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


async def inside_screen(page: Any, selector: str) -> bool:
    box = await page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] \
        and box["y"] + box["height"] <= PHONE["height"]


async def test_phone_layout_and_an_invoice_with_pdf_and_qr(sandbox: Sandbox, phone: Any) -> None:
    from playwright.async_api import expect

    await phone.goto(sandbox.url)
    # The chat has the whole screen: the panel is closed, the message box and Send fit on it.
    await expect(phone.locator("#panel-toggle")).to_have_attribute("aria-expanded", "false")
    assert not await inside_screen(phone, "#panel") or not await phone.locator("#panel").is_visible()
    assert await inside_screen(phone, "#send") and await inside_screen(phone, "#text")
    assert (await phone.locator("#text").bounding_box())["width"] > PHONE["width"] / 2

    await connect_demo_company(sandbox, phone, walk_guide=False)
    # Opening the panel for "kopiuj" closed it again, so the chat is in view.
    await expect(phone.locator("#panel-toggle")).to_have_attribute("aria-expanded", "false")
    services = sandbox.bot.services if sandbox.bot is not None else None
    assert services is not None
    company_id = (await services.companies.require_active_company(SANDBOX_USER_ID)).id
    await services.profiles.save(SANDBOX_USER_ID, company_id, name="Jan Kowalski Usługi IT",
                                 address=["ul. Długa 5", "00-001 Warszawa"], vat_exempt=False,
                                 bank_account="61 1090 1014 0000 0712 1981 2874", default_rate="23",
                                 payment_days=14)

    await send(phone, f"/wystaw {BUYER_NIP} Usługa programistyczna 1 x 5000 23%")
    await expect(phone.locator(".msg.bot", has_text="nazwę nabywcy").last).to_be_visible()
    await send(phone, "ACME Sp. z o.o.")
    await expect(phone.locator(".msg.bot", has_text="adres nabywcy").last).to_be_visible()
    await send(phone, "ul. Prosta 1; 00-950 Warszawa")
    preview = phone.locator(".msg.bot", has_text="Podgląd faktury").last
    await expect(preview).to_contain_text("6 150,00")
    await preview.get_by_role("button", name="Zatwierdź").click()

    pdf = phone.locator(".msg.bot a.doc", has_text=".pdf").last
    await expect(pdf).to_be_visible(timeout=40_000)
    qr = phone.locator(".msg.bot img.photo").last
    await expect(qr).to_be_visible(timeout=20_000)
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the PNG loaded
    body = await (await phone.request.get(sandbox.url + str(await pdf.get_attribute("href")))).body()
    assert body.startswith(b"%PDF")
    await qr.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-invoice.png"))


async def test_phone_demo_certificate_logs_the_company_in(sandbox: Sandbox, phone: Any) -> None:
    from playwright.async_api import expect

    assert sandbox.demo is not None
    await phone.goto(sandbox.url)
    await expect(phone.locator("#demo-nip")).to_have_text(sandbox.demo.nip, timeout=5_000)
    await send(phone, "/certlogin")
    await phone.locator(".msg.bot").last.get_by_role("button", name="Mam już pliki").click()
    await expect(phone.locator(".msg.bot", has_text="Podaj NIP").last).to_be_visible()
    await send(phone, sandbox.demo.nip)
    await expect(phone.locator(".msg.bot", has_text="plik .key").last).to_be_visible()

    await open_panel(phone)
    async with phone.expect_response("**/api/sim/certificate") as created:
        await phone.click("button.cert[data-type='Authentication'][data-key='EC']")
    answer = await (await created.value).json()
    key_name, cert_name = answer["files"]
    assert key_name.endswith(".key") and cert_name.endswith(".cert")
    # The drawer closed; the .cert stays in the chat, the .key was deleted by the bot (a secret).
    await expect(phone.locator(".msg.bot", has_text="hasło").last).to_be_visible()
    await expect(phone.locator(".msg.user a.doc", has_text=cert_name)).to_be_visible()
    await expect(phone.locator(".msg.user a.doc", has_text=key_name)).to_have_count(0)
    await expect(phone.locator("#sim-status")).to_contain_text(answer["password"])

    await phone.locator("#sim-status").get_by_role("button", name="Wstaw hasło").click()
    await expect(phone.locator("#text")).to_have_value(answer["password"])
    await phone.click("#send")
    connected = phone.locator(".msg.bot", has_text="certyfikatem uwierzytelniającym").last
    await expect(connected).to_contain_text(sandbox.demo.nip, timeout=30_000)
    await expect(phone.locator("#messages")).not_to_contain_text(answer["password"])  # deleted by the bot
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-certificate.png"))
    # The panel keeps the password to copy, under the files it belongs to.
    await open_panel(phone)
    await expect(phone.locator("#cert-password")).to_have_text(answer["password"])
