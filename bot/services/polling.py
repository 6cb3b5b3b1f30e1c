"""How often a company is polled for purchase invoices, and how many on-demand checks KSeF's limits
leave (the reasoning and the figures: ``docs/polling.md``).

KSeF allows few metadata queries per company: ``invoiceMetadata`` is 8/s, 16/min and 20/h in production
(the figures in force are read from ``GET /rate-limits``), and MF's limits document asks low-volume users
to fetch on demand plus e.g. once a day. Notifications are why people use the bot, so companies that do
receive invoices stay prompt while dormant ones are polled rarely, and anyone can check at once:

- **active** (an invoice found, or the company connected, within :attr:`PollPolicy.quiet_after`, 7 days):
  the base interval (``KSEFBOT_POLL_INTERVAL``, 15 min);
- **quiet** (the last invoice within :attr:`PollPolicy.dormant_after`, 30 days): twice the base (30 min);
- **dormant**: four times the base (60 min), never longer than :attr:`PollPolicy.longest` (1 h) unless the
  base itself is longer;
- **on demand**: "Sprawdź teraz" (check now) in ``/faktury`` and the back-fill ``/faktury 30``.

One budget per company and window: automatic polls take at most half of every ``invoiceMetadata``
window (:func:`shortest_interval`: 6 min at 20/h), on-demand queries at most the other half
(:func:`on_demand_wait`: 10 per hour). So the two together never exceed KSeF's figure, a burst of
checks never starves the scheduled polls, and every poll (scheduled or not) moves the next scheduled
one a whole interval on. The notification latency bar stays "interval + 2 s".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ksef.limits import Limit

METADATA_GROUP = "invoiceMetadata"  # the rate-limit group of POST /invoices/query/metadata


class Activity(StrEnum):
    """How recently a company received an invoice (decides its poll interval)."""

    ACTIVE = "active"
    QUIET = "quiet"
    DORMANT = "dormant"


_FACTOR = {Activity.ACTIVE: 1, Activity.QUIET: 2, Activity.DORMANT: 4}


def _auto_share(maximum: int) -> int:
    """The requests of one window the automatic polls may use: half, at least one."""
    return max(1, maximum // 2)


def shortest_interval(limit: Limit | None) -> float:
    """The shortest interval between automatic polls that keeps them within half of every window of
    ``limit`` (0.0: no limit). A poll that needs several pages (hundreds of invoices) uses more; the
    client's own pacing covers that rare case."""
    shortest = 0.0
    for length, maximum in limit.windows() if limit is not None else []:
        if maximum > 0:  # a window that allows nothing cannot be met by spacing; KSeF's 429 governs
            shortest = max(shortest, length / _auto_share(maximum))
    return shortest


def on_demand_wait(done: Sequence[datetime], now: datetime, limit: Limit | None) -> float:
    """Seconds until one more on-demand query fits every window of ``limit`` (0.0: now), given the times
    of the on-demand queries already made (``done``). They may use what the automatic polls leave: the
    other half of each window."""
    wait = 0.0
    recent = sorted(done)
    for length, maximum in limit.windows() if limit is not None else []:
        allowed = maximum - _auto_share(maximum) if maximum > 0 else 0
        if allowed <= 0:  # nothing left over for on-demand queries in this window: ask again after it
            wait = max(wait, length)
            continue
        inside = [at for at in recent if (now - at).total_seconds() < length]
        if len(inside) >= allowed:
            # the allowed-th most recent one has to leave the window first
            leaves = inside[-allowed] + timedelta(seconds=length)
            wait = max(wait, (leaves - now).total_seconds())
    return wait


def keep_recent(done: Sequence[datetime], now: datetime, limit: Limit | None) -> list[datetime]:
    """The on-demand query times still inside the longest window of ``limit`` (what must be stored)."""
    longest = max((length for length, _ in limit.windows()), default=0.0) if limit is not None else 0.0
    return sorted(at for at in done if (now - at).total_seconds() < longest)


@dataclass(frozen=True)
class PollPolicy:
    """The interval of each company's automatic polls (see the module documentation)."""

    base: float  # seconds: the interval of an active company (``KSEFBOT_POLL_INTERVAL``)
    quiet_after: timedelta = timedelta(days=7)
    dormant_after: timedelta = timedelta(days=30)
    longest: float = 3600.0  # a dormant company is polled at least this often (unless the base is longer)

    def activity(self, last_activity: datetime | None, now: datetime) -> Activity:
        """``last_activity``: the last invoice found, else the moment the company was connected."""
        if last_activity is None:
            return Activity.ACTIVE
        idle = now - last_activity
        if idle < self.quiet_after:
            return Activity.ACTIVE
        return Activity.QUIET if idle < self.dormant_after else Activity.DORMANT

    def interval(self, activity: Activity, limit: Limit | None = None) -> float:
        """Seconds between automatic polls for ``activity``; never shorter than ``limit`` allows
        (``limit``: the ``invoiceMetadata`` figures when they bind this process, None when the server
        alone enforces them, e.g. a simulator with pacing off)."""
        scaled = min(self.base * _FACTOR[activity], max(self.base, self.longest))
        return max(scaled, shortest_interval(limit))
