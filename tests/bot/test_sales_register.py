"""The sales register over 500 stored documents (rows inserted directly, as the register reads only its
columns): newest first, paged, filtered by month, state and buyer, searched by a part of the number, the
buyer's name or NIP without regard to case or Polish letters — on SQLite and PostgreSQL alike; and the
same through the chat, the list edited in place."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from bot.sandbox.botapi import ChatMessage, FakeUser
from bot.services.errors import AccessDenied
from bot.services.issuing.columns import RegisterColumns, search_key
from bot.services.sales.register import PAGE_SIZE, SalesQuery, SalesRegister, StateFilter
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_issuing import IssuedInvoice
from tests.bot.test_issuing import ready
from tests.fixtures.bot import BotHarness

BUYERS = (("5260250274", "Zakład Usług Ślusarskich „Łódź” s.c."), ("7352765225", "Żabka Polska sp. z o.o."),
          ("1234563218", "Przedsiębiorstwo Handlowe GĘŚ"), ("9512362426", "ACME Sp. z o.o."),
          ("6312619582", "Ąą Źdźbło Spółdzielnia"))
COUNT = 500


def document(company_id: int, i: int) -> dict[str, object]:
    """Document ``i``: a month of 2026 (i % 12), a buyer (i % 5), every 50th rejected, every 25th offline,
    every 20th a correction; its number in the invoice or the correction series."""
    month = i % 12 + 1
    nip, name = BUYERS[i % len(BUYERS)]
    correction = i % 20 == 0
    state = "rejected" if i % 50 == 1 else "offline" if i % 25 == 2 else "accepted"
    number = f"KOR/{i}/2026" if correction else f"FV/{i}/{month:02d}/2026"
    row = IssuedInvoice(company_id=company_id, number=number)
    RegisterColumns(kind="KOR" if correction else "VAT", buyer_name=name, buyer_nip=nip, currency="PLN",
                    net_minor=10000 + i, vat_minor=2300, gross_minor=12300 + i, due_date=None).apply(row)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    return {"company_id": company_id, "user_id": 1, "chat_id": 1, "language": "pl", "number": number,
            "issue_date": date(2026, month, i % 28 + 1), "draft": {}, "xml": b"<x/>", "invoice_hash": "h",
            "state": state, "mode": "online", "attempts": 0, "created_at": now, "updated_at": now,
            "kind": row.kind, "buyer_name": row.buyer_name, "buyer_nip": row.buyer_nip,
            "search_text": row.search_text, "currency": "PLN", "net_minor": row.net_minor,
            "vat_minor": row.vat_minor, "gross_minor": row.gross_minor,
            "ksef_number": None if state != "accepted" else f"KSEF-{i}", "notified_state": state}


async def insert_documents(db: Database, company_id: int) -> None:
    async with db.transaction() as session:
        await session.execute(insert(IssuedInvoice), [document(company_id, i) for i in range(1, COUNT + 1)])


def expected(predicate: object) -> list[int]:
    """The indexes of the documents ``predicate(i)`` selects, newest first as the register orders them."""
    assert callable(predicate)
    chosen = [i for i in range(1, COUNT + 1) if predicate(i)]
    return sorted(chosen, key=lambda i: (date(2026, i % 12 + 1, i % 28 + 1), i), reverse=True)


def number(i: int) -> str:
    return f"KOR/{i}/2026" if i % 20 == 0 else f"FV/{i}/{i % 12 + 1:02d}/2026"


async def all_numbers(register: SalesRegister, query: SalesQuery) -> list[str]:
    first = await register.page(1, 1, query)
    numbers = [r.number for r in first.rows]
    for page in range(1, first.pages):
        numbers += [r.number for r in (await register.page(1, 1, query.at(page))).rows]
    return numbers


@pytest.fixture
async def register(any_database: Database) -> SalesRegister:
    async with any_database.transaction() as session:
        session.add(User(id=1, chat_id=1))
        session.add(User(id=2, chat_id=2))
        session.add(Company(id=1, nip="5265877635", environment="test"))
        await session.flush()
        session.add(CompanyMember(company_id=1, user_id=1, role="owner"))
    await insert_documents(any_database, 1)
    return SalesRegister(any_database)


async def test_paging_filters_and_search_over_500_documents(register: SalesRegister) -> None:
    page = await register.page(1, 1, SalesQuery())
    assert page.total == COUNT and page.pages == -(-COUNT // PAGE_SIZE) and len(page.rows) == PAGE_SIZE
    newest_first = expected(lambda i: True)
    assert [r.number for r in page.rows] == [number(i) for i in newest_first[:PAGE_SIZE]]
    third = await register.page(1, 1, SalesQuery(page=2))
    assert [r.number for r in third.rows] == [number(i) for i in newest_first[2 * PAGE_SIZE:3 * PAGE_SIZE]]
    past_end = await register.page(1, 1, SalesQuery(page=10_000))  # an old button: the last page
    assert past_end.query.page == page.pages - 1 and past_end.rows

    october = await all_numbers(register, SalesQuery(month=(2026, 10)))
    assert october == [number(i) for i in expected(lambda i: i % 12 + 1 == 10)]
    for state, chosen in ((StateFilter.REJECTED, lambda i: i % 50 == 1),
                          (StateFilter.OFFLINE, lambda i: i % 25 == 2 and i % 50 != 1),
                          (StateFilter.CORRECTION, lambda i: i % 20 == 0)):
        assert await all_numbers(register, SalesQuery(state=state)) == [number(i) for i in expected(chosen)]
    buyer = await all_numbers(register, SalesQuery(buyer_nip="7352765225", month=(2026, 3)))
    assert buyer == [number(i) for i in expected(lambda i: i % 5 == 1 and i % 12 + 1 == 3)]

    # search: partial, case- and diacritics-insensitive, either way round
    lodz = expected(lambda i: i % 5 == 0)
    for typed in ("łódź", "LODZ", "slusarsk", "Ślusarskich „Łódź”"):
        assert await all_numbers(register, SalesQuery(search=typed)) == [number(i) for i in lodz], typed
    def of_buyer(index: int) -> list[str]:
        return [number(i) for i in expected(lambda i: i % 5 == index)]

    assert await all_numbers(register, SalesQuery(search="ges")) == of_buyer(2)
    assert await all_numbers(register, SalesQuery(search="zdzblo")) == of_buyer(4)
    for typed in ("735-276", "PL 735 276 52 25", "7352765225"):
        assert await all_numbers(register, SalesQuery(search=typed)) == of_buyer(1)
    assert await all_numbers(register, SalesQuery(search="fv/17/")) == ["FV/17/06/2026"]
    assert await all_numbers(register, SalesQuery(search="kor/4")) == [number(i) for i in expected(
        lambda i: i % 20 == 0 and str(i).startswith("4"))]
    assert await all_numbers(register, SalesQuery(search="100%_")) == []  # LIKE wildcards are literal
    assert (await register.page(1, 1, SalesQuery(search="acme", state=StateFilter.CORRECTION))).total == \
        len(expected(lambda i: i % 5 == 3 and i % 20 == 0))
    months = await register.months(1, 1)
    assert months[0] == (2026, 12) and len(months) == 12
    assert {nip for nip, _ in await register.buyers(1, 1)} == {nip for nip, _ in BUYERS}
    with pytest.raises(AccessDenied):  # another user sees nothing of this company
        await register.page(2, 1, SalesQuery())


def test_search_keys() -> None:
    assert search_key(" Żółć  GĘŚLĄ ") == "zolc gesla"
    assert search_key("526-025-02-74") == "5260250274" and search_key("PL5260250274") == "5260250274"
    assert search_key("10 2026") == "10 2026" and search_key("FV/1/10") == "fv/1/10"


async def edited(bot: BotHarness, user: FakeUser, message: ChatMessage, contains: str) -> ChatMessage:
    def found() -> ChatMessage | None:
        current = bot.fake.message(user.chat_id, message.message_id)
        return current if current is not None and current.edited and contains in current.content else None
    result: ChatMessage = await bot.fake.wait_until(found, timeout=15,
                                                    message=f"an edit showing {contains!r}")
    return result


async def test_the_list_in_the_chat_pages_and_filters_in_place(bot_factory: object) -> None:
    # No issuing job: the inserted rows are only for reading (their XML is not a real invoice).
    bot: BotHarness = await bot_factory(issuing_first=3600)  # type: ignore[operator]
    user, _, company_id = await ready(bot, 7201)
    await insert_documents(bot.db, company_id)
    listing = await bot.say(user, "/wystawione", contains="Wystawione faktury")
    newest = expected(lambda i: True)
    assert f"1–8 z {COUNT}" in listing.content and number(newest[0]) in listing.content
    await user.press(listing, "Starsze ▶")
    second = await edited(bot, user, listing, "9–16 z 500")
    assert number(newest[8]) in second.content and number(newest[0]) not in second.content
    await user.press(second, "📅 Miesiąc")
    chooser = await edited(bot, user, listing, "Z którego miesiąca")
    await user.press(chooser, "październik 2026")
    october = await edited(bot, user, listing, "październik 2026")
    in_october = expected(lambda i: i % 12 + 1 == 10)
    assert f"z {len(in_october)}" in october.content and number(in_october[0]) in october.content
    await user.press(october, "🏷 Stan")
    await user.press(await edited(bot, user, listing, "Które faktury"), "korekty")
    none = await edited(bot, user, listing, "Żadna faktura nie pasuje")  # no correction in October
    assert "październik 2026 · korekty" in none.content
    await user.press(none, "📅 Miesiąc")
    await user.press(await edited(bot, user, listing, "Z którego miesiąca"), "maj 2026")
    kor = await edited(bot, user, listing, "maj 2026 · korekty")
    chosen = expected(lambda i: i % 12 + 1 == 5 and i % 20 == 0)
    assert chosen and f"z {len(chosen)}" in kor.content and all(number(i) in kor.content for i in chosen)
    # a search typed after the button, in a new message; diacritics and case do not matter
    await bot.press(user, kor, "🔍 Szukaj", contains="Wpisz numer faktury")
    found = await bot.say(user, "zabka", contains="Wystawione faktury")
    assert f"z {len(expected(lambda i: i % 5 == 1))}" in found.content and "Żabka" in found.content
    # a malformed or forged button is answered as stale, never a traceback
    await bot.fake.push_update({"callback_query": {
        "id": "1", "from": user.info, "chat_instance": "x", "data": "sa:l:x:1:2:3:4",
        "message": {"message_id": found.message_id, "chat": {"id": user.chat_id, "type": "private"},
                    "date": 0}}})
    await bot.fake.wait_for_bot_message(user.chat_id, lambda m: "nieaktualny" in m.content,
                                        after=found.message_id)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_the_migration_fills_the_register_of_invoices_issued_before_it(backend: str,
                                                                             tmp_path: object) -> None:
    """Invoices stored before revision 0008 (after 0006) are listed and searchable right after the upgrade."""
    from contextlib import AsyncExitStack
    from decimal import Decimal
    from pathlib import Path

    from sqlalchemy import select, text

    from bot.store.db import make_engine, migrate
    from ksef.fa3 import Buyer, Invoice, InvoiceLine, Payment, Seller, VatRate, build
    from tests.fixtures.bot import postgres_schema

    invoice = Invoice(Seller("5265877635", "Jan Kowalski", ("ul. Długa 5",)),
                      Buyer("Łódzka Spółdzielnia Gęś", nip="7352765225"), "FV/7/11/2026", date(2026, 11, 20),
                      (InvoiceLine("Usługa", Decimal(2), Decimal("100.00"), VatRate.R23),),
                      payment=Payment(due_date=date(2026, 12, 4)))
    async with AsyncExitStack() as stack:
        if backend == "sqlite":
            assert isinstance(tmp_path, Path)
            engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite'}")
        else:
            url, schema = await stack.enter_async_context(postgres_schema())
            engine = make_engine(url, schema=schema)
        stack.push_async_callback(engine.dispose)
        await migrate(engine, "0006")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO companies (id, nip, environment, created_at) "
                                    "VALUES (1, '5265877635', 'test', CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO issued_invoices (company_id, user_id, chat_id, language, number, issue_date, "
                "draft, xml, invoice_hash, state, mode, attempts, created_at, updated_at) "
                "VALUES (1, 1, 1, 'pl', 'FV/7/11/2026', '2026-11-20', '{}', :xml, 'h', 'accepted', "
                "'online', 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"xml": build(invoice)})
        await migrate(engine)
        async with engine.connect() as conn:
            row = (await conn.execute(select(IssuedInvoice.__table__))).mappings().one()
    assert row["kind"] == "VAT" and row["buyer_nip"] == "7352765225" and row["gross_minor"] == 24600
    assert row["search_text"] == "fv/7/11/2026 lodzka spoldzielnia ges 7352765225"
    assert row["due_date"] == date(2026, 12, 4) and row["currency"] == "PLN"
