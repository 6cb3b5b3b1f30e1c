"""What the sandbox asks of the running bot, through its services (never through Telegram)."""

from __future__ import annotations

from sqlalchemy import select

from bot.services import Services
from bot.store.models import Company


async def check_company_now(services: Services, nip: str, delay: float = 0.0) -> bool:
    """Make the next poll of every company with ``nip`` due in ``delay`` seconds (an injected supplier
    invoice is then announced in seconds, not at the next regular poll). False when no company with
    that NIP is connected yet."""
    async with services.db.transaction() as session:
        ids = list((await session.execute(select(Company.id).where(Company.nip == nip))).scalars())
    made_due = [await services.sync.poll_soon(company_id, delay) for company_id in ids]
    return any(made_due)
