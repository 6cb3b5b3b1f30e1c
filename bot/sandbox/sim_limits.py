"""The KSeF rate limits the sandbox's simulator enforces: the published figures, stretched as much as
the sandbox polls more often than production does, so a demo never runs into 429.

In production the bot polls a company every 15 minutes against 20 metadata queries per hour
(``ksef.limits.PUBLISHED_LIMITS``): 4 polls an hour, five times below the limit. The sandbox polls
every few seconds so a visitor sees notifications at once; against the production figure the 21st
poll of an hour (about 5 minutes in at 15 s) would be refused and notifications would stop. So for
the groups a poll uses, each window allows as many times more requests as the sandbox makes more
polls in that window than production does: the same headroom as in production, window by window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.config import DEFAULT_POLL_INTERVAL
from ksef.limits import PUBLISHED_LIMITS, Limit

# The groups one poll of a company uses: the metadata query and the XML download of a new invoice.
POLLED_GROUPS = ("invoiceMetadata", "invoiceDownload")


@dataclass(frozen=True)
class SandboxLimits:
    """Per group: the production figures and the sandbox's."""

    poll_interval: float
    production: dict[str, Limit]
    sandbox: dict[str, Limit]

    def admin_body(self) -> dict[str, dict[str, int | None]]:
        """The body of the simulator's ``PUT /sim/limits``."""
        return {group: {"perSecond": lim.per_second, "perMinute": lim.per_minute, "perHour": lim.per_hour}
                for group, lim in self.sandbox.items()}

    def summary(self) -> str:
        """One Polish sentence for the page and the terminal, production figures included."""
        prod = self.production["invoiceMetadata"].per_hour
        here = self.sandbox["invoiceMetadata"].per_hour
        return (f"Bot sprawdza KSeF co {_seconds(self.poll_interval)} (na produkcji co "
                f"{_seconds(DEFAULT_POLL_INTERVAL)}), więc symulator pozwala na {here} zapytań o faktury "
                f"na godzinę; prawdziwy KSeF pozwala na {prod}.")


def _polls(window: float, interval: float) -> float:
    return max(1.0, window / interval)


def _stretched(figure: int | None, window: float, interval: float) -> int | None:
    if figure is None:
        return None
    factor = _polls(window, interval) / _polls(window, DEFAULT_POLL_INTERVAL)
    return max(figure, math.ceil(figure * factor))


def sandbox_limits(poll_interval: float) -> SandboxLimits:
    """The limits for a sandbox that polls each company every ``poll_interval`` seconds."""
    production = {group: PUBLISHED_LIMITS[group] for group in POLLED_GROUPS}
    sandbox = {group: Limit(_stretched(lim.per_second, 1.0, poll_interval),
                            _stretched(lim.per_minute, 60.0, poll_interval),
                            _stretched(lim.per_hour, 3600.0, poll_interval))
               for group, lim in production.items()}
    return SandboxLimits(poll_interval, production, sandbox)


def _seconds(value: float) -> str:
    if value >= 60 and value % 60 == 0:
        return f"{int(value // 60)} min"
    return f"{value:g} s"
