"""Paying a supplier invoice and the month's summary on a phone-sized screen (390×844, touch) in Debian's
headless Chromium: the panel's "invoice now" → the notification with its due date and account → "Zapłać"
→ the payment card and its transfer QR code → "Zapłacona"; then /miesiac with its chart. Screenshots
go to ``test-artifacts/``."""

from __future__ import annotations

from typing import Any

from bot.sandbox.run import Sandbox
from tests.e2e.test_sandbox_browser import ARTIFACTS, connect_demo_company, open_panel
from tests.e2e.test_sandbox_phone import phone, send  # noqa: F401  (the fixture)


async def test_phone_pays_a_supplier_invoice_and_sees_the_month(sandbox: Sandbox, phone: Any) -> None:  # noqa: F811
    from playwright.async_api import expect

    await connect_demo_company(sandbox, phone, walk_guide=False)
    await open_panel(phone)
    async with phone.expect_response("**/api/sim/invoice") as injected:
        await phone.click("#inject")
    number = (await (await injected.value).json())["ksefNumber"]
    if await phone.locator("#panel-toggle").get_attribute("aria-expanded") == "true":
        await phone.click("#panel-toggle")
    notice = phone.locator(".msg.bot", has_text=number).last
    await expect(notice).to_be_visible(timeout=40_000)
    await expect(notice).to_contain_text("Termin płatności")  # the sandbox's invoices are payable by transfer

    await notice.get_by_role("button", name="💸 Zapłać").click()
    card = phone.locator(".msg.bot", has_text="Przelew za fakturę").last
    await expect(card).to_contain_text(number)  # the full KSeF number in the copyable title
    await expect(card).to_contain_text("białej liście")
    qr = phone.locator(".msg.bot img.photo").last
    await expect(qr).to_be_visible(timeout=20_000)
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")
    await card.evaluate("el => el.scrollIntoView({block: 'start'})")
    ARTIFACTS.mkdir(exist_ok=True)
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-pay-card.png"))

    await card.get_by_role("button", name="✅ Zapłacona").click()
    await expect(phone.locator(".msg.bot", has_text="Zapisano").last).to_be_visible(timeout=15_000)

    photos = await phone.locator(".msg.bot img.photo").count()
    await send(phone, "/miesiac")
    summary = phone.locator(".msg.bot", has_text="Podsumowanie:").last
    await expect(summary).to_be_visible(timeout=30_000)
    await expect(phone.locator(".msg.bot img.photo")).to_have_count(photos + 1, timeout=30_000)  # the chart
    chart = phone.locator(".msg.bot img.photo").last
    assert await chart.evaluate("img => img.complete && img.naturalWidth >= 600")
    await chart.evaluate("el => el.scrollIntoView({block: 'start'})")
    await phone.screenshot(path=str(ARTIFACTS / "sandbox-phone-month.png"))
