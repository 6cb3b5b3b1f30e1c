"""Prometheus metrics of the bot (prefix ``ksefbot_``), one registry per process.

Services call the small ``observe_*`` / ``ksef_error`` helpers; nothing here imports Telegram, so workers
without the web app can use it too (:func:`serve_metrics`). Gauges that describe the database (offline
queue, pending outbox) are refreshed by :func:`refresh_db_gauges` right before a scrape; only the process
serving ``/metrics`` of the web app does that, so a dashboard does not sum the same rows twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server

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

POLL_RESULTS = ("ok", "error", "raced", "gone")
for _result in POLL_RESULTS:  # present (at 0) from the start, so rate() works from the first poll
    POLLS.labels(result=_result)


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
    POLLS.labels(result=label).inc()
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
