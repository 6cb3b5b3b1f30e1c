"""Prometheus metrics of the bot (prefix ``ksefbot_``), one registry per process.

Services call the small ``observe_*`` / ``ksef_error`` helpers; nothing here imports Telegram, so workers
without the web app can use it too (:func:`serve_metrics`). Gauges that describe the database (offline
queue, pending outbox) are refreshed by :func:`refresh_db_gauges` right before a scrape; only the process
serving ``/metrics`` of the web app does that, so a dashboard does not sum the same rows twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

from ksef.limits import Limit

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

log = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter("ksefbot_polls", "Polls of one company for new purchase invoices, by outcome",
                ["result"], registry=REGISTRY)
NEW_INVOICES = Counter("ksefbot_new_invoices", "Purchase invoices found by polls and stored",
                       registry=REGISTRY)
NOTIFICATIONS_SENT = Counter("ksefbot_notifications_sent", "Outbox notifications delivered to Telegram",
                             ["kind"], registry=REGISTRY)
KSEF_ERRORS = Counter("ksefbot_ksef_errors", "Errors from KSeF: its error code, else the HTTP status, "
                      "else the exception class", ["code"], registry=REGISTRY)
TELEGRAM_SEND_SECONDS = Histogram("ksefbot_telegram_send_seconds", "Duration of the Bot API call that "
                                  "sends a notification", registry=REGISTRY,
                                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
NOTIFICATION_DELAY_SECONDS = Histogram("ksefbot_notification_delay_seconds", "From the outbox row being "
                                       "created to the notification being sent", registry=REGISTRY,
                                       buckets=(1, 5, 15, 60, 300, 900, 1800, 3600, 6 * 3600, 86400))
OFFLINE_QUEUE_SIZE = Gauge("ksefbot_offline_queue_size", "Issued invoices waiting to be sent to KSeF "
                           "(offline or waiting for KSeF)", registry=REGISTRY)
OUTBOX_PENDING = Gauge("ksefbot_outbox_pending", "Outbox notifications not yet sent (pending or sending)",
                       registry=REGISTRY)

KSEF_RATE_LIMIT = Gauge("ksefbot_ksef_rate_limit", "KSeF's rate-limit figures this process paces by "
                        "(read from GET /rate-limits; -1: no such window)", ["group", "window"],
                        registry=REGISTRY)
RATE_LIMIT_CHANGES = Counter("ksefbot_rate_limit_changes", "Groups whose figures changed when "
                             "GET /rate-limits was read again (the first read counts changes from the "
                             "published figures)", ["group"], registry=REGISTRY)
KSEF_RATE_LIMITED = Counter("ksefbot_ksef_rate_limited", "429 answers from KSeF, by the group the answer "
                            "named and whether the client expected that group", ["group", "expected"],
                            registry=REGISTRY)
KSEF_WARNINGS = Counter("ksefbot_ksef_warnings", "X-System-Warning items on KSeF's answers, by code",
                        ["code"], registry=REGISTRY)
CHECKS = Counter("ksefbot_checks", "On-demand checks of a company's purchase invoices ('check now', "
                 "back-fill), by outcome", ["result"], registry=REGISTRY)

POLL_RESULTS = ("ok", "error", "raced", "gone")
# The children, bound once: labels() costs a lookup on every poll.
_POLL_COUNTERS = {result: POLLS.labels(result=result) for result in POLL_RESULTS}
for _check in ("allowed", "limited"):
    CHECKS.labels(result=_check)
_WINDOWS = (("second", "per_second"), ("minute", "per_minute"), ("hour", "per_hour"))


class _PollOutcome(Protocol):
    """The shape of ``bot.services.sync.PollResult`` (not imported: no import cycle)."""

    @property
    def error(self) -> str | None: ...

    @property
    def new_invoice_ids(self) -> tuple[int, ...]: ...


_R = TypeVar("_R", bound=_PollOutcome)


def observe_poll(result: _R) -> _R:
    """Count one poll by outcome (``gone`` / ``raced`` are named; other errors are ``error``)."""
    error = result.error
    label = "ok" if error is None else error if error in ("gone", "raced") else "error"
    _POLL_COUNTERS[label].inc()
    if result.new_invoice_ids:
        NEW_INVOICES.inc(len(result.new_invoice_ids))
    return result


def ksef_error_code(exc: BaseException) -> str:
    """The label for a KSeF error: KSeF's own code, else the HTTP status, else the exception class."""
    code = getattr(exc, "code", None)
    if isinstance(code, int):
        return str(code)
    status = getattr(exc, "http_status", None)
    if isinstance(status, int) and status:
        return f"http_{status}"
    return type(exc).__name__


def ksef_error(exc: BaseException) -> None:
    """Count one error from KSeF (or from reaching it)."""
    KSEF_ERRORS.labels(code=ksef_error_code(exc)).inc()


def observe_rate_limits(figures: Mapping[str, Limit]) -> None:
    """Set the rate-limit gauges to the figures in force (``ksef.limits.RateLimits``)."""
    for group, limit in figures.items():
        for window, attribute in _WINDOWS:
            value = getattr(limit, attribute)
            KSEF_RATE_LIMIT.labels(group=group, window=window).set(-1 if value is None else value)


def observe_rate_limit_change(group: str) -> None:
    """The figures of ``group`` changed (``GET /rate-limits`` read again)."""
    RATE_LIMIT_CHANGES.labels(group=group).inc()


def observe_rate_limited(group: str | None, expected: bool) -> None:
    """KSeF answered 429 naming ``group`` (``expected``: the group the client counted the call in)."""
    KSEF_RATE_LIMITED.labels(group=group or "unknown", expected="yes" if expected else "no").inc()


def observe_system_warning(code: str) -> None:
    """One ``X-System-Warning`` item (e.g. ``xml-002``)."""
    KSEF_WARNINGS.labels(code=code).inc()


def observe_check(allowed: bool) -> None:
    """An on-demand check was asked for: allowed, or refused because the limits were spent."""
    CHECKS.labels(result="allowed" if allowed else "limited").inc()


def observe_sent(kind: str, send_seconds: float, delay_seconds: float | None) -> None:
    """One notification delivered: its kind, the Bot API call's duration, the delay since it was queued."""
    NOTIFICATIONS_SENT.labels(kind=kind).inc()
    TELEGRAM_SEND_SECONDS.observe(max(send_seconds, 0.0))
    if delay_seconds is not None:
        NOTIFICATION_DELAY_SECONDS.observe(max(delay_seconds, 0.0))


class _Backlog(Protocol):
    """The shape of ``bot.services.Backlog`` (not imported: services count with these metrics)."""

    @property
    def offline_queue(self) -> int: ...

    @property
    def outbox_pending(self) -> int: ...


async def refresh_db_gauges(read: Callable[[], Awaitable[_Backlog]], timeout: float = 2.0) -> bool:  # noqa: ASYNC109
    """Set the offline-queue and pending-outbox gauges from ``read`` (``Services.backlog``); False if the
    database did not answer in time (the gauges keep their previous values)."""
    try:
        backlog = await asyncio.wait_for(read(), timeout)
    except Exception as exc:  # a slow or gone database must not break the scrape of the other metrics
        log.warning("metrics: database gauges not refreshed (%s)", type(exc).__name__)
        return False
    OFFLINE_QUEUE_SIZE.set(backlog.offline_queue)
    OUTBOX_PENDING.set(backlog.outbox_pending)
    return True


def exposition() -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(REGISTRY)


def serve_metrics(port: int, addr: str = "127.0.0.1") -> WSGIServer:
    """Serve ``/metrics`` of this process on ``addr:port`` from a daemon thread (for workers that have
    no web app); ``.shutdown()`` on the result stops it. Database gauges are left to the web app's
    ``/metrics``: every process would report the same rows."""
    server, _ = start_http_server(port, addr=addr, registry=REGISTRY)
    log.info("metrics on http://%s:%s/metrics", addr, server.server_port)
    return server
