"""Scheduling backends: embedded (in-process) and scale-out (procrastinate on PostgreSQL).

Embedded (``KSEFBOT_JOBS=embedded``, the default): one process does everything; PTB's JobQueue ticks
``bot.services.scheduler.PollScheduler`` and the issuing job (see ``bot.app`` and ``bot.chat.jobs``).

Scale-out (``KSEFBOT_JOBS=procrastinate``, PostgreSQL only): N ``ksef-bot worker`` processes (any
machines) do the KSeF work — polling companies and sending/reconciling/uploading issued invoices —
as procrastinate jobs; the one leading gateway (``ksef-bot run``, see ``bot.store.locks.LeaderLock``)
talks to Telegram and drains the outbox the workers write to. Sending stays in one process on purpose:
Telegram's limits (about 30 messages/s per bot, 1/s per chat) are one budget, which one paced sender
keeps exactly.

How work is handed out (the same in every worker, safe to run N times at once):
- every ``schedule_every`` seconds a worker claims due companies (``SyncService.claim_due``:
  ``FOR UPDATE SKIP LOCKED``, next poll time moved on by a lease) and defers one ``poll_company`` job
  each, with a procrastinate queueing lock so a company never has two jobs waiting;
- the job takes the company's advisory lock (``poll:<id>``) without waiting: a company is never
  polled by two processes at once, and a killed worker's locks vanish with its connection; the
  lease brings the company back if the job itself was lost;
- unfinished issued invoices get ``advance_invoice`` jobs the same way (lock ``issue:<id>``, shared
  with the gateway's chat handler, which sends a confirmed invoice itself).
Exactly-once towards the user does not depend on any of this: invoice rows are unique per company and
KSeF number, and the cursor advance is checked under a row lock (``SyncService.poll``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from bot.services import Role, ServiceOptions, open_services
from bot.store.locks import NamedLocks

if TYPE_CHECKING:
    import procrastinate

    from bot.config import Settings
    from bot.services import Services

log = logging.getLogger(__name__)

PROCRASTINATE = "procrastinate"
POLL_TASK = "ksefbot.poll_company"
ADVANCE_TASK = "ksefbot.advance_invoice"


def conninfo(database_url: str) -> str:
    """The libpq connection string (psycopg, used by procrastinate) of an SQLAlchemy PostgreSQL URL."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError("procrastinate needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://…)")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def make_app(database_url: str, *, schema: str | None = None) -> procrastinate.App:
    """The procrastinate App of ksef-bot with its two tasks; not opened."""
    import procrastinate

    kwargs: dict[str, Any] = {"conninfo": conninfo(database_url), "min_size": 1, "max_size": 4}
    if schema:  # tests: one PostgreSQL schema per test
        kwargs["kwargs"] = {"options": f"-c search_path={schema}"}
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(**kwargs))

    @app.task(name=POLL_TASK, pass_context=True)
    async def poll_company(context: procrastinate.JobContext, company_id: int) -> str:
        return await _runtime(context).poll_company(company_id)

    @app.task(name=ADVANCE_TASK, pass_context=True)
    async def advance_invoice(context: procrastinate.JobContext, invoice_id: int) -> str:
        return await _runtime(context).advance_invoice(invoice_id)

    return app


def _runtime(context: Any) -> WorkerRuntime:
    runtime = context.additional_context.get("runtime")
    assert isinstance(runtime, WorkerRuntime), "ksef-bot tasks run inside `ksef-bot worker` only"
    return runtime


async def ensure_schema(app: procrastinate.App, locks: NamedLocks) -> None:
    """Create procrastinate's tables once (idempotent; N workers starting together take turns)."""
    async with locks.hold("ksef-bot:procrastinate-schema"):
        exists = await app.connector.execute_query_one_async(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL AS present")
        if not exists["present"]:
            await app.schema_manager.apply_schema_async()
            log.info("procrastinate schema created")


@dataclass
class WorkerConfig:
    """Knobs of one worker process (tests shorten the intervals)."""

    concurrency: int = 8  # jobs at once in this process (KSeF I/O bound)
    schedule_every: float = 5.0  # seconds between looks for due companies / unfinished invoices
    lease: float = 300.0  # a claimed company comes due again after this if its job was lost
    batch: int = 500  # companies claimed per look
    issuing_every: float = 30.0  # seconds between looks for unfinished invoices (as the embedded job)
    issuing_grace: timedelta = timedelta(seconds=60)  # a just-confirmed invoice is its handler's
    stalled_after: float = 60.0  # seconds without a heartbeat before a worker's running jobs count as dead
    name: str = ""


class WorkerRuntime:
    """One ``ksef-bot worker`` process: schedules and executes jobs over the shared services."""

    def __init__(self, services: Services, app: procrastinate.App,
                 config: WorkerConfig | None = None) -> None:
        self.services, self.app = services, app
        self.config = config or WorkerConfig()
        self.config.name = self.config.name or f"{socket.gethostname()}-{os.getpid()}"
        self.locks = NamedLocks(services.db)  # one poll per company at a time, across workers
        self.polled = 0
        self.busy = 0
        self._issuing_due = 0.0  # loop time of the next look for unfinished invoices

    async def poll_company(self, company_id: int) -> str:
        """The ``poll_company`` job: one poll unless another process is polling this company now."""
        async with self.locks.hold(f"poll:{company_id}", wait=False) as got:
            if not got:
                self.busy += 1
                return "busy"
            result = await self.services.sync.poll(company_id)
        self.polled += 1
        return result.error or f"ok:{len(result.new_invoice_ids)}"

    async def advance_invoice(self, invoice_id: int) -> str:
        """The ``advance_invoice`` job: one background step of an issued invoice, then its news queued in
        the outbox (the gateway sends it)."""
        done = await self.services.issuing.advance(invoice_id)
        if done:
            await self.services.issuing.announce_news(invoice_id)
        return "ok" if done else "busy"

    async def schedule_once(self) -> tuple[int, int]:
        """Claim due companies and unfinished invoices and defer their jobs; returns (polls, invoices)."""
        from procrastinate.exceptions import AlreadyEnqueued

        polls = invoices = 0
        for company_id in await self.services.sync.claim_due(self.config.batch, self.config.lease):
            with contextlib.suppress(AlreadyEnqueued):
                await self.app.configure_task(POLL_TASK, queueing_lock=f"poll:{company_id}") \
                    .defer_async(company_id=company_id)
                polls += 1
        now = asyncio.get_running_loop().time()
        if now < self._issuing_due:
            return polls, invoices
        # While KSeF is down every offline invoice is retried at this pace, not at the polls' pace.
        self._issuing_due = now + self.config.issuing_every
        await self.clear_stalled()
        for invoice_id in await self.services.issuing.unfinished(grace=self.config.issuing_grace):
            with contextlib.suppress(AlreadyEnqueued):
                await self.app.configure_task(ADVANCE_TASK, queueing_lock=f"issue:{invoice_id}") \
                    .defer_async(invoice_id=invoice_id)
                invoices += 1
        return polls, invoices

    async def clear_stalled(self) -> int:
        """Mark failed the jobs left ``doing`` by workers that died (no heartbeat): their work comes
        back by itself (the poll lease ends, unfinished invoices are looked for again), so they are only
        clutter in ``procrastinate_jobs``. Returns how many."""
        from procrastinate.jobs import Status

        stalled = list(await self.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=self.config.stalled_after))
        for job in stalled:
            await self.app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        if stalled:
            log.info("worker %s: %s job(s) of dead workers marked failed", self.config.name, len(stalled))
        return len(stalled)

    async def _schedule_forever(self) -> None:
        while True:
            try:
                await self.schedule_once()
                await self.services.ksef_clients.close_idle()
            except Exception:
                log.exception("worker %s: scheduling failed; retrying", self.config.name)
            await asyncio.sleep(self.config.schedule_every)

    async def run(self, stop: asyncio.Event) -> None:
        """Schedule and execute until ``stop`` is set; jobs in flight finish first (graceful)."""
        async with self.app.open_async():
            await ensure_schema(self.app, self.locks)
            scheduler = asyncio.create_task(self._schedule_forever(), name="ksef-bot-schedule")
            worker = asyncio.create_task(self.app.run_worker_async(
                name=self.config.name, concurrency=self.config.concurrency, wait=True,
                install_signal_handlers=False, delete_jobs="successful",
                additional_context={"runtime": self}, shutdown_graceful_timeout=30.0),
                name="ksef-bot-worker")
            stopper = asyncio.create_task(stop.wait())
            try:
                await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                scheduler.cancel()
                worker.cancel()  # procrastinate stops fetching and lets running jobs finish
                for task in (scheduler, worker, stopper):
                    with contextlib.suppress(BaseException):
                        await task
                stopper.cancel()
        log.info("worker %s stopped after %s polls", self.config.name, self.polled)


def worker_options(settings: Settings) -> ServiceOptions:
    """The worker's services: polls and KSeF's side of issuing, invoices locked across processes."""
    return ServiceOptions(environment=settings.ksef_env, role=Role.WORKER,
                          poll_interval=float(settings.poll_interval))


async def run_worker(settings: Settings, config: WorkerConfig | None = None, *,
                     stop: asyncio.Event | None = None) -> None:
    """``ksef-bot worker``: open the services and work until SIGTERM/SIGINT (or ``stop``)."""
    import signal

    if settings.jobs != PROCRASTINATE:
        raise ValueError("run_worker needs KSEFBOT_JOBS=procrastinate")
    services = await open_services(settings, worker_options(settings))
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await WorkerRuntime(services, make_app(settings.database_url), config).run(stop)
    finally:
        await services.aclose()
