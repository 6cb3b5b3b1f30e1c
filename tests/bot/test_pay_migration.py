"""Revision 0009 fills what paying needs for purchase invoices stored before it, from their XML."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.store.db import make_engine, migrate
from bot.store.models_inbox import ReceivedInvoice
from tests.bot.test_pay_card import ACCOUNT, NRB, supplier_invoice
from tests.fixtures.bot import postgres_schema
from tests.unit.test_due import with_parts

BUYER = "7352765225"
SECOND = "PL27114020040000300201355387"  # as the supplier wrote it: stored as written


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_revision_0009_fills_paying_facts_of_invoices_stored_before_it(backend: str,
                                                                             tmp_path: Path) -> None:
    rows = {
        "A/1": (supplier_invoice(BUYER, "A/1", split=True, more_accounts=(SECOND,),
                                 payment={"method": "transfer", "due_days": 14, "bank_account": ACCOUNT}),
                None),
        "B/1": (supplier_invoice(BUYER, "B/1", payment={"method": "card", "paid": True,
                                                        "paid_date": "2026-12-02"}), None),
        "C/1": (supplier_invoice(BUYER, "C/1"), date(2026, 12, 20)),  # a due date stored already is kept
        "D/1": (b"<not an invoice/>", None),  # unreadable: left as it was
        "E/1": (with_parts(supplier_invoice(BUYER, "E/1"), (("10.00", "2026-11-20"),)), None),
    }
    async with AsyncExitStack() as stack:
        if backend == "sqlite":
            engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite'}")
        else:
            url, schema = await stack.enter_async_context(postgres_schema())
            engine = make_engine(url, schema=schema)
        stack.push_async_callback(engine.dispose)
        await migrate(engine, "0008")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO companies (id, nip, environment, created_at) "
                                    "VALUES (1, :nip, 'test', CURRENT_TIMESTAMP)"), {"nip": BUYER})
            for i, (number, (xml, due)) in enumerate(rows.items()):
                await conn.execute(text(
                    "INSERT INTO received_invoices (company_id, ksef_number, seller_nip, seller_name, "
                    "invoice_number, gross, currency, due_date, xml, stored_at, found_at) VALUES (1, :k, "
                    "'5265877635', 'Hurtownia', :n, '24.60', 'PLN', :due, :xml, :at, :at)"),
                    {"k": f"K{i}", "n": number, "due": due, "xml": xml,
                     "at": datetime(2026, 12, 3, 10, tzinfo=UTC).replace(tzinfo=None)})
        await migrate(engine)
        async with engine.connect() as conn:
            found = {r["invoice_number"]: r for r in
                     (await conn.execute(select(ReceivedInvoice.__table__))).mappings().all()}
    a, b, c, d = (found[n] for n in ("A/1", "B/1", "C/1", "D/1"))
    assert a["split_payment"] and a["payment_method"] == "6" and a["due_date"] == date(2026, 12, 15)
    assert a["bank_accounts"] == [NRB, SECOND] and a["paid_at"] is None
    assert b["paid_source"] == "xml" and b["paid_minor"] == 2460 and b["payment_method"] == "2"
    assert b["paid_at"] == datetime(2026, 12, 2, 11, 0, tzinfo=UTC)  # DataZaplaty at noon in Warsaw (UTC+1)
    assert c["due_date"] == date(2026, 12, 20) and c["bank_accounts"] == [NRB] and not c["split_payment"]
    assert d["bank_accounts"] is None and d["payment_method"] is None and d["paid_at"] is None
    assert found["E/1"]["paid_minor"] == 1000 and found["E/1"]["paid_at"] is None  # a part paid before issue
