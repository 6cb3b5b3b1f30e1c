"""Buyers the company invoiced before, found again by NIP (so regulars need only their NIP)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models_issuing import Contractor


@dataclass(frozen=True)
class ContractorView:
    nip: str
    name: str
    address: tuple[str, ...]
    id: int = 0  # the row (a saved buyer's button carries it)


class ContractorService:
    """Read the saved contractors of a company."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def find(self, company_id: int, nip: str) -> ContractorView | None:
        async with self.db.transaction() as session:
            row = (await session.execute(select(Contractor).where(
                Contractor.company_id == company_id, Contractor.nip == nip))).scalar_one_or_none()
            return None if row is None else ContractorView(row.nip, row.name, tuple(row.address), row.id)

    async def get(self, company_id: int, contractor_id: int) -> ContractorView | None:
        """One saved buyer of this company by its row id (None for another company's or a removed one)."""
        async with self.db.transaction() as session:
            row = await session.get(Contractor, contractor_id)
            if row is None or row.company_id != company_id:
                return None
            return ContractorView(row.nip, row.name, tuple(row.address), row.id)

    async def recent(self, company_id: int, limit: int = 8) -> list[ContractorView]:
        async with self.db.transaction() as session:
            rows = (await session.execute(select(Contractor).where(Contractor.company_id == company_id)
                                          .order_by(Contractor.used_at.desc()).limit(limit))).scalars()
            return [ContractorView(r.nip, r.name, tuple(r.address), r.id) for r in rows]

    async def remember(self, session: AsyncSession, company_id: int, nip: str, name: str,
                       address: list[str]) -> None:
        """Save or update the buyer inside the caller's transaction (the invoice's)."""
        row = (await session.execute(select(Contractor).where(
            Contractor.company_id == company_id, Contractor.nip == nip))).scalar_one_or_none()
        if row is None:
            session.add(Contractor(company_id=company_id, nip=nip, name=name, address=address,
                                   used_at=self.clock()))
        else:
            row.name, row.address, row.used_at = name, address, self.clock()
