"""KSeF's ``X-System-Warning`` on an issued invoice: counted in the metrics and, for xml-002 (characters KSeF
will refuse in future), said to the user with the result of the invoice."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import update

from bot.metrics import KSEF_WARNINGS
from bot.services.issuing import Draft
from bot.store.models_issuing import IssuedInvoice
from ksef.crypto import sha256_b64
from tests.bot.test_issuing import ready
from tests.fixtures.bot import BotHarness


async def test_an_invoice_ksef_warns_about_is_issued_with_a_note(bot_factory: Any) -> None:
    bot: BotHarness = await bot_factory(issuing_interval=0.3, issuing_first=3600)
    user, _, company_id = await ready(bot, 6030)
    draft = {"buyer": {"nip": None, "name": "Anna Nowak", "address": []},
             "lines": [{"name": "Naprawa", "quantity": "1", "unit_price": "100", "vat_rate": "23"}]}
    view = await bot.services.issuing.prepare(6030, user.chat_id, company_id, Draft.from_json(draft))
    # The stored bytes get a C1 control character (a mis-decoded "ł"), however it got past the chat's
    # own cleaning: KSeF accepts the invoice and warns (xml-002).
    [row] = await bot.table_rows("issued_invoices")
    xml = bytes(row["xml"]).replace(b"<P_7>Naprawa", "<P_7>Napr\u0082awa".encode(), 1)
    assert xml != row["xml"]
    async with bot.db.transaction() as session:
        await session.execute(update(IssuedInvoice).where(IssuedInvoice.id == view.id)
                              .values(xml=xml, invoice_hash=sha256_b64(xml)))
    warned = KSEF_WARNINGS.labels(code="xml-002")._value.get()
    bot.options = dataclasses.replace(bot.options, issuing_first=0.1)
    await bot.crash_and_restart()  # the issuing job sends the prepared invoice and tells the user
    result = await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "przyjęta w KSeF" in m.content,
                                                 after=0, timeout=60)
    assert "niezalecane znaki" in result.content and "zwykłym tekstem" in result.content
    assert KSEF_WARNINGS.labels(code="xml-002")._value.get() > warned
    [row] = await bot.table_rows("issued_invoices")
    assert row["state"] == "accepted" and row["system_warnings"] == "xml-002"
