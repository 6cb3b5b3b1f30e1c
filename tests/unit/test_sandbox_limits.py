"""The sandbox simulator's rate limits: production's headroom kept window by window, figures shown."""

from __future__ import annotations

import pytest

from bot.config import DEFAULT_POLL_INTERVAL
from bot.sandbox.sim_limits import POLLED_GROUPS, sandbox_limits
from ksef.limits import PUBLISHED_LIMITS


def test_production_cadence_keeps_the_published_figures() -> None:
    limits = sandbox_limits(DEFAULT_POLL_INTERVAL)
    assert limits.sandbox == {group: PUBLISHED_LIMITS[group] for group in POLLED_GROUPS}


def test_fifteen_seconds() -> None:
    limits = sandbox_limits(15)
    metadata = limits.sandbox["invoiceMetadata"]
    assert (metadata.per_second, metadata.per_minute, metadata.per_hour) == (8, 64, 1200)
    assert limits.admin_body()["invoiceMetadata"] == {"perSecond": 8, "perMinute": 64, "perHour": 1200}
    # Honest: the page and the terminal say what production allows.
    summary = limits.summary()
    assert "co 15 s" in summary and "co 15 min" in summary and "1200" in summary and " 20." in summary


@pytest.mark.parametrize("interval", [1, 2, 5, 15, 60, 300])
def test_every_window_keeps_productions_headroom(interval: int) -> None:
    """Production polls 4 times an hour against 20 metadata queries: a fifth of the limit. The sandbox
    polls more often, and each window of its limits leaves it at least the same share."""
    limits = sandbox_limits(interval)
    for group in POLLED_GROUPS:
        production, sandbox = PUBLISHED_LIMITS[group], limits.sandbox[group]
        for window, prod, here in ((60, production.per_minute, sandbox.per_minute),
                                   (3600, production.per_hour, sandbox.per_hour)):
            assert prod is not None and here is not None
            polls_here = window / interval
            polls_prod = max(1.0, window / DEFAULT_POLL_INTERVAL)
            assert polls_here / here <= polls_prod / prod + 1e-9, (group, window)
