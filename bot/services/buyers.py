"""A buyer's name, address and VAT status looked up by NIP on MF's VAT taxpayer list ("biała lista").

The list is a convenience, never a condition: when it cannot be asked (down, slow, today's request
limit spent) or does not know the NIP, the user types the buyer by hand as before, told briefly why.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from enum import StrEnum

from ksef.errors import (
    WhiteListDailyLimitError,
    WhiteListError,
    WhiteListServerError,
    WhiteListTimeoutError,
    WhiteListUnavailableError,
)
from ksef.fa3.textrules import sanitize
from ksef.whitelist import VatStatus, WhiteListClient

log = logging.getLogger(__name__)

# "UL. PROSTA 1, 00-950 WARSZAWA": the street part and the postal-code part become FA(3)'s two lines.
_POSTAL_SPLIT = re.compile(r"^(?P<street>.+?),\s*(?P<town>\d{2}-\d{3}\s+.+)$")


class LookupProblem(StrEnum):
    """Why the list gave no buyer; each has its own short note in the chat."""

    NOT_LISTED = "not_listed"  # the NIP is not on the list (e.g. never registered for VAT)
    LIMIT = "limit"  # today's request limit is spent (ours or MF's)
    UNAVAILABLE = "unavailable"  # MF's service is down, slow or answered an error


@dataclass(frozen=True)
class ListedBuyer:
    """What the list says about a NIP, ready for the draft (the user may still edit it)."""

    nip: str
    name: str
    address: tuple[str, ...]
    status: VatStatus | None  # None: a status this version does not know


@dataclass(frozen=True)
class BuyerLookup:
    """The answer: the listed buyer, or the problem that kept the list from giving one."""

    buyer: ListedBuyer | None
    problem: LookupProblem | None = None


def address_lines(address: str | None) -> tuple[str, ...]:
    """MF's one-line address as FA(3)'s (at most) two lines: street, then postal code and town."""
    if not address:
        return ()
    text = " ".join(sanitize(address).text.split())
    match = _POSTAL_SPLIT.match(text)
    return (match["street"], match["town"]) if match else (text,)


class BuyerDirectory:
    """Looks buyers up on the white list (its answers and request budget are shared in the database)."""

    def __init__(self, client: WhiteListClient) -> None:
        self.client = client

    async def lookup(self, nip: str) -> BuyerLookup:
        """The listed buyer for a valid NIP, or why there is none; never raises for the list's failures."""
        try:
            found = await self.client.search_nip(nip)
        except WhiteListDailyLimitError:
            return BuyerLookup(None, LookupProblem.LIMIT)
        except (WhiteListUnavailableError, WhiteListTimeoutError, WhiteListServerError) as exc:
            log.info("white list unavailable: %s", type(exc).__name__)
            return BuyerLookup(None, LookupProblem.UNAVAILABLE)
        except WhiteListError as exc:  # refused our request: treat as not available, type by hand
            log.warning("white list refused a search: %s %s", type(exc).__name__, exc.code or "")
            return BuyerLookup(None, LookupProblem.UNAVAILABLE)
        subject = found.subject
        if subject is None:
            return BuyerLookup(None, LookupProblem.NOT_LISTED)
        name = " ".join(sanitize(subject.name).text.split())
        return BuyerLookup(ListedBuyer(found.nip, name, address_lines(subject.address), subject.status))

    async def aclose(self) -> None:
        await self.client.aclose()
