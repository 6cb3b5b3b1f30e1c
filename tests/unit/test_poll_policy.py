"""bot.services.polling (the interval by activity, never below what the limits allow; the on-demand budget)
and bot.services.rate_limits (when KSeF's figures are read again)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.polling import Activity, PollPolicy, keep_recent, on_demand_wait, shortest_interval
from bot.services.rate_limits import UNEXPECTED_GAP, RateLimitWatch
from ksef.client import RateLimitsUpdate
from ksef.errors import RateLimitedError
from ksef.limits import PUBLISHED_LIMITS, Limit, LimitChange, RateLimits
from ksef.ratelimit import SharedRateLimits

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
METADATA = PUBLISHED_LIMITS["invoiceMetadata"]  # 8/s, 16/min, 20/h


def test_the_interval_follows_activity_up_to_an_hour() -> None:
    policy = PollPolicy(900)
    assert policy.activity(None, NOW) is Activity.ACTIVE
    assert policy.activity(NOW - timedelta(days=6, hours=23), NOW) is Activity.ACTIVE
    assert policy.activity(NOW - timedelta(days=7), NOW) is Activity.QUIET
    assert policy.activity(NOW - timedelta(days=30), NOW) is Activity.DORMANT
    assert [policy.interval(a) for a in Activity] == [900, 1800, 3600]
    assert [PollPolicy(1).interval(a) for a in Activity] == [1, 2, 4]  # a simulator's short base
    assert [PollPolicy(7200).interval(a) for a in Activity] == [7200] * 3  # never more often than asked


def test_the_interval_is_never_below_what_the_limits_allow() -> None:
    assert shortest_interval(METADATA) == 360  # half of 20 an hour for the automatic polls
    assert shortest_interval(Limit(8, 16, None)) == 60 / 8
    assert shortest_interval(None) == 0.0
    assert PollPolicy(60).interval(Activity.ACTIVE, METADATA) == 360
    assert PollPolicy(60).interval(Activity.ACTIVE, None) == 60  # not binding: the server enforces
    assert PollPolicy(900).interval(Activity.ACTIVE, Limit(None, None, 2)) == 3600


def test_on_demand_queries_get_the_other_half_of_every_window() -> None:
    hour_ago = [NOW - timedelta(minutes=55 - i) for i in range(9)]
    assert on_demand_wait(hour_ago, NOW, METADATA) == 0.0  # 9 of 10
    ten = [*hour_ago, NOW - timedelta(seconds=30)]
    assert on_demand_wait(ten, NOW, METADATA) == pytest.approx(5 * 60)  # the oldest leaves in 5 min
    burst = [NOW - timedelta(seconds=s) for s in range(8)]  # 8 in the last minute: 16/min, half is 8
    assert on_demand_wait(burst, NOW, Limit(None, 16, None)) == pytest.approx(53)
    assert on_demand_wait([], NOW, Limit(None, None, 1)) == 3600  # nothing left over: after the window
    assert on_demand_wait(ten, NOW, None) == 0.0
    assert keep_recent([*ten, NOW - timedelta(hours=2)], NOW, METADATA) == sorted(ten)


class _Client:
    """What RateLimitWatch.refresh calls (KsefClient.refresh_rate_limits), scripted: it answers and, like
    the client, paces by the figures from then on (the shared object)."""

    def __init__(self, shared: SharedRateLimits, answers: list[RateLimitsUpdate | Exception]) -> None:
        self.shared, self.answers, self.calls = shared, answers, 0

    async def refresh_rate_limits(self) -> RateLimitsUpdate:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        self.shared.update(answer.limits)
        return answer


def test_figures_are_read_first_then_hourly_and_soon_after_an_unexpected_429(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [1000.0]
    watch = RateLimitWatch(pace=True, clock=lambda: now[0])
    lower = RateLimits({**PUBLISHED_LIMITS, "global": Limit(40, None, None)})
    changed = RateLimitsUpdate(lower, [LimitChange("global", PUBLISHED_LIMITS["global"], lower["global"])])
    client = _Client(watch.shared("test"),
                     [RateLimitsUpdate(RateLimits(), []), RateLimitedError(7.0, group="global"), changed])

    async def scenario() -> None:
        assert watch.due("test")
        assert await watch.refresh("test", client)  # type: ignore[arg-type]
        assert not watch.due("test")
        hook = watch.hook("test")
        hook(RateLimitedError(5.0, group="invoiceMetadata", expected_group="invoiceMetadata"), "POST", "/x")
        assert not watch.due("test")  # the group it expected: the figures are right
        hook(RateLimitedError(5.0, group="global", expected_group="invoiceMetadata"), "POST", "/x")
        assert watch.due("test")  # read again at once
        assert not await watch.refresh("test", client)  # type: ignore[arg-type]  # 429 on the read itself
        now[0] += 6.9
        assert not watch.due("test")  # its Retry-After (7 s) first
        now[0] += 0.2
        with caplog.at_level(logging.INFO, logger="bot.services.rate_limits"):
            assert await watch.refresh("test", client)  # type: ignore[arg-type]
        assert watch.limit("test", "global") == Limit(40, None, None)
        assert watch.binding("test", "invoiceMetadata") == METADATA
        # A group that keeps refusing does not make every poll read the figures again.
        hook(RateLimitedError(5.0, group="global", expected_group="invoiceMetadata"), "POST", "/x")
        assert not watch.due("test")
        now[0] += UNEXPECTED_GAP
        assert watch.due("test")

    asyncio.run(scenario())
    assert client.calls == 3
    [record] = [r for r in caplog.records if "global changed" in r.getMessage()]
    assert record.levelno == logging.WARNING and "75/s -/min -/h -> 40/s -/min -/h" in record.getMessage()
