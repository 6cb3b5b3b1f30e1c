"""The NBP exchange rate of a foreign-currency draft, fixed into the draft before its preview.

Art. 31a ustawy o VAT: the NBP table A average rate of the last working day before the tax point
(``ksef.fa3.vatrules.rate_lookup_date``). The rate is looked up once for the day it depends on and
kept in the draft (``Draft.exchange``), so the preview shows, and the invoice carries, exactly that
rate; when the day changes (another sale date, or a preview confirmed on a later day) it is looked up
again. A rate that cannot be had is an error with NBP's reason, never a guess.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date

from bot.services.errors import ServiceError
from bot.services.issuing.draft import PLN, Draft, ExchangeRate
from ksef.fa3.vatrules import rate_lookup_date
from ksef.nbp import NbpClient, NbpError, NbpUnavailableError

log = logging.getLogger(__name__)


def lookup_date(draft: Draft, issue_date: date) -> date:
    """The day whose preceding NBP working day gives the draft's rate."""
    return rate_lookup_date(issue_date, sale_date=draft.sale_date, sale_period=draft.sale_period)


def rate_is_current(draft: Draft, issue_date: date) -> bool:
    """True for a PLN draft, or a foreign one whose rate was looked up for today's tax point."""
    if draft.currency == PLN:
        return True
    return draft.exchange is not None and draft.exchange.lookup_date == lookup_date(draft, issue_date)


class ExchangeRates:
    """Fixes NBP rates into drafts (one :class:`ksef.nbp.NbpClient` per process; it caches past days)."""

    def __init__(self, nbp: NbpClient) -> None:
        self.nbp = nbp

    async def fix(self, draft: Draft, issue_date: date) -> Draft:
        """The draft with the rate its tax point needs (unchanged when it already has it).

        Raises ServiceError ``nbp`` whose ``user_message`` is NBP's reason in Polish.
        """
        if draft.currency == PLN:
            return draft if draft.exchange is None else replace(draft, exchange=None)
        if rate_is_current(draft, issue_date):
            return draft
        day = lookup_date(draft, issue_date)
        try:
            found = await self.nbp.rate_before(draft.currency, day)
        except NbpError as exc:
            if isinstance(exc, NbpUnavailableError):
                log.info("NBP unavailable: %s", type(exc).__name__)
            raise ServiceError("nbp", user_message=str(exc)) from None
        return replace(draft, exchange=ExchangeRate(found.rate, found.table, found.effective_date, day))

    async def aclose(self) -> None:
        await self.nbp.aclose()
