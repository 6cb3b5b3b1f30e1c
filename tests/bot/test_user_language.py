"""The user's language, asked for on every update, is read from the database once and then kept; choosing
another language and /forget are seen at once."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.services.companies import CompanyService
from bot.services.issuing.records import IssuedInvoices
from bot.services.ports import system_clock
from bot.store.db import Database
from bot.vault import Vault

USER = 601


def companies_of(db: Database, vault: Vault) -> CompanyService:
    return CompanyService(db, vault, system_clock, invoices=IssuedInvoices(db, system_clock))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'language.sqlite'}")
    await database.migrate()
    yield database
    await database.dispose()


@pytest.fixture
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the service sends, in order."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    yield sent
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_language_is_read_once_then_kept(db: Database, statements: list[str]) -> None:
    companies = companies_of(db, Vault(os.urandom(32)))
    assert await companies.language(USER) == "pl"  # unknown user: Polish
    await companies.set_language(USER, USER, "en")
    assert await companies.language(USER) == "en"
    before = len(statements)
    assert [await companies.language(USER) for _ in range(5)] == ["en"] * 5
    assert len(statements) == before  # kept: no more queries


async def test_another_service_instance_reads_what_was_chosen(db: Database) -> None:
    vault = Vault(os.urandom(32))
    first = companies_of(db, vault)
    assert await first.language(USER) == "pl"
    await first.set_language(USER, USER, "en")
    second = companies_of(db, vault)
    assert await second.language(USER) == "en"  # stored, not only remembered


async def test_forget_resets_the_language(db: Database) -> None:
    companies = companies_of(db, Vault(os.urandom(32)))
    await companies.set_language(USER, USER, "en")
    assert await companies.language(USER) == "en"
    await companies.forget(USER)
    assert await companies.language(USER) == "pl"
    await companies.set_language(USER, USER, "en")
    await companies.set_language(USER, USER, "pl")
    assert await companies.language(USER) == "pl"


async def test_a_change_committed_during_a_read_is_not_hidden(db: Database) -> None:
    """A read that started before a change and ends after it must not keep the old value."""
    companies = companies_of(db, Vault(os.urandom(32)))
    await companies.set_language(USER, USER, "pl")
    changed = False

    def change_after_the_read(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal changed
        if not changed and "users.language" in statement and statement.lstrip().upper().startswith("SELECT"):
            changed = True  # the read has its answer ("pl"); a change is counted before it returns
            companies._forget_language(USER)

    event.listen(db.engine.sync_engine, "after_cursor_execute", change_after_the_read)
    try:
        assert await companies.language(USER) == "pl"
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", change_after_the_read)
    assert changed
    assert USER not in companies._languages  # the read's "pl" was not kept over the change
