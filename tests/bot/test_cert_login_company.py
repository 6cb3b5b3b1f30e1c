"""A company connected by Authentication certificate (no token) is polled for purchase invoices and
can issue invoices: sync and issuing log in with the certificate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tests.bot.test_issuing import BUYER_NIP, confirm_and_collect, sim_invoice_xml, to_preview
from tests.bot.test_notify import invoice_xml, wait_mentioned
from tests.fixtures.bot import BotHarness

PASSWORD = "Haslo-Logowania-9"


async def connect_by_certificate(bot: BotHarness, user_id: int) -> tuple[str, int]:
    nip, _token = bot.sim.create_subject()
    issued = bot.sim.issue_certificate(nip, "Authentication", PASSWORD, key_type="EC")
    result = await bot.services.cert_login.connect_certificate(
        user_id, user_id, nip, issued["key"].encode(), issued["cert"].encode(), PASSWORD)
    assert await bot.table_rows("ksef_tokens") == []  # really no token to fall back on
    return nip, result.company_id


async def test_certificate_company_is_notified_of_purchase_invoices(bot_factory: Callable[..., Any]) -> None:
    bot: BotHarness = await bot_factory(poll_interval=1, inbox_tick=0.2)
    bot.sim.set_limits({"enabled": False})
    user = bot.user(7101)
    nip, _ = await connect_by_certificate(bot, user.id)
    await asyncio.sleep(1.1)  # past the baseline taken at connection time
    number = bot.sim.inject_invoice(invoice_xml(nip, "CERT/1"))
    note = await wait_mentioned(bot, user.chat_id, number)
    assert "CERT/1" in note.content
    [stored] = await bot.table_rows("received_invoices")
    assert stored["ksef_number"] == number


async def test_certificate_company_issues_an_invoice(bot_app: BotHarness) -> None:
    nip, company_id = await connect_by_certificate(bot_app, 7201)
    await bot_app.services.profiles.save(7201, company_id, name="Jan Kowalski Usługi IT",
                                         address=["ul. Długa 5", "00-001 Warszawa"], vat_exempt=False,
                                         bank_account="61 1090 1014 0000 0712 1981 2874",
                                         default_rate="23", payment_days=14)
    user = bot_app.user(7201)
    preview = await to_preview(bot_app, user, f"/wystaw {BUYER_NIP} Usługa programistyczna 1 x 5000 23%")
    await confirm_and_collect(bot_app, user, preview)
    [row] = await bot_app.table_rows("issued_invoices")
    assert row["state"] == "accepted" and row["ksef_number"].startswith(nip)
    assert sim_invoice_xml(bot_app, row["ksef_number"]) == row["xml"]
