"""One rule for "which company does a command act on": the chosen one while the user still belongs to
it, else the user's only company, else none (none at all, or several and none chosen)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import delete, update

from bot.services import ServiceOptions, Services
from bot.services.companies import ActiveCompany
from bot.services.errors import ServiceError
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.vault import Vault

USER = 501


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'active.sqlite'}")
    await db.migrate()
    built = Services.build(db, Vault(os.urandom(32)), ServiceOptions(environment="test"))
    yield built
    await built.aclose()


async def _company(services: Services, nip: str, user_id: int = USER) -> int:
    async with services.db.transaction() as session:
        if await session.get(User, user_id) is None:
            session.add(User(id=user_id, chat_id=user_id))
        company = Company(nip=nip, environment="test")
        session.add(company)
        await session.flush()
        session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
        return company.id


async def _choose(services: Services, company_id: int | None) -> None:
    async with services.db.transaction() as session:
        await session.execute(update(User).where(User.id == USER).values(active_company_id=company_id))


async def _refusal(services: Services) -> str:
    with pytest.raises(ServiceError) as refused:
        await services.companies.require_active_company(USER)
    return refused.value.code


async def test_the_rule(services: Services) -> None:
    companies = services.companies
    assert await companies.active_company(USER) is None
    assert await _refusal(services) == "no_company"
    first = await _company(services, "5265877635")
    assert await companies.active_company(USER) == ActiveCompany(first, "5265877635")  # the only one
    second = await _company(services, "5260250274")
    assert await companies.active_company(USER) is None  # two, none chosen
    assert await _refusal(services) == "choose_company"
    await _choose(services, second)
    assert await companies.require_active_company(USER) == ActiveCompany(second, "5260250274")
    # The chosen company is one the user no longer belongs to: not acted on; the only one left is.
    async with services.db.transaction() as session:
        await session.execute(delete(CompanyMember).where(CompanyMember.company_id == second))
    assert await companies.active_company(USER) == ActiveCompany(first, "5265877635")
    # Someone else's company is never the active one.
    foreign = await _company(services, "1111111111", user_id=777)
    await _choose(services, foreign)
    assert await companies.active_company(USER) == ActiveCompany(first, "5265877635")
