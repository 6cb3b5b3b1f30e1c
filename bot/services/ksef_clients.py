"""The bot's KSeF clients: one logged-in ``KsefClient`` per company, shared by the purchase-invoice sync
and issuing, over one HTTP connection pool per environment (``ksef.http.shared_http_client``).

One client per company means one login (its access token is reused between polls and sends) and one
local rate limiter for everything the bot asks KSeF on that company's behalf; every client of one
environment shares the figures read from ``GET /rate-limits`` and the per-IP ``global`` budget
(:class:`~bot.services.rate_limits.RateLimitWatch`), and counts KSeF's ``X-System-Warning`` items in
the metrics. A client is replaced when
the company's login changes (new token, certificate added) and dropped after a long idle time; an online
session nobody sent through for a while is closed, so KSeF prepares its collective UPO.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx

from bot.metrics import observe_system_warning
from bot.services.cert_login import KsefLogin
from bot.services.errors import ServiceError
from bot.services.rate_limits import RateLimitWatch
from ksef.client import KsefClient
from ksef.environments import resolve_environment
from ksef.errors import KsefError
from ksef.http import shared_http_client
from ksef.system_warnings import SystemWarning

Logins = Callable[[int], Awaitable[KsefLogin | None]]  # company id -> its KSeF login (token or certificate)


@dataclass(frozen=True)
class KsefClientOptions:
    """How the bot's clients talk to KSeF."""

    pace: bool | None = None  # wait locally within KSeF's published limits; None: on MF's environments only
    # (a simulator enforces its own limits, and tests turn them off to poll every second)
    max_wait: float = 10.0  # longest silent wait (pacing, Retry-After) before RateLimitedError
    max_retries: int = 1  # few: an unreachable KSeF must turn into offline issuing fast
    status_timeout: float = 20.0  # a send waits this long for its KSeF number, then background work follows
    idle_session: timedelta = timedelta(minutes=10)  # an online session unused this long is closed
    idle_client: timedelta = timedelta(hours=1)  # a client unused this long is dropped (the next use logs in)
    # The longest a decrypted login (KSeF token, certificate key) is kept in memory, even in use: then the
    # client is dropped (once no online session is open) and the next use decrypts and logs in anew.
    login_lifetime: timedelta = timedelta(hours=6)


@dataclass
class _Entry:
    identity: tuple[str, str]  # (environment, token or certificate serial): what the client logged in with
    client: KsefClient
    used: float  # loop time of the last use
    sent: float  # loop time of the last use for sending (online sessions)
    created: float  # loop time the client was made with its login


class KsefClients:
    """Hands out the logged-in client of a company; ``for_login`` is the sync's source factory."""

    def __init__(self, logins: Logins, environment: str, options: KsefClientOptions | None = None, *,
                 monotonic: Callable[[], float] | None = None) -> None:
        self._logins = logins
        self._environment = environment
        self.options = options or KsefClientOptions()
        self._monotonic = monotonic  # tests move time; default: the event loop's clock
        self._entries: dict[int, _Entry] = {}
        self._pools: dict[str, httpx.AsyncClient] = {}  # API base URL -> its shared connection pool
        self.limits = RateLimitWatch(pace=self.options.pace)

    def for_login(self, company_id: int, environment: str, login: KsefLogin) -> KsefClient:
        """The company's client for ``login`` (a new one when the login changed)."""
        return self._client(company_id, environment, login, sending=False)

    async def get(self, company_id: int) -> KsefClient:
        """The company's client for sending; its login is looked up now, so a replaced token or a new
        certificate is used at once. ServiceError ``no_token`` when the company cannot log in."""
        login = await self._logins(company_id)
        if login is None or (login.token is None and login.certificate is None):
            raise ServiceError("no_token")
        return self._client(company_id, self._environment, login, sending=True)

    def _now(self) -> float:
        return self._monotonic() if self._monotonic is not None else asyncio.get_running_loop().time()

    def _client(self, company_id: int, environment: str, login: KsefLogin, *, sending: bool) -> KsefClient:
        now = self._now()
        # Compared on every poll: cheap on purpose (no URL parsing until a client is made).
        identity = (environment, login.token or (login.certificate.serial_hex if login.certificate else ""))
        entry = self._entries.get(company_id)
        if entry is None or entry.identity != identity:
            env = resolve_environment(environment)
            pool = self._pools.get(env.api_base)
            if pool is None:
                pool = self._pools[env.api_base] = shared_http_client()
            options = self.options
            client = KsefClient(env, nip=login.nip, token=login.token, certificate=login.certificate,
                                http=pool, pace=env.is_real if options.pace is None else options.pace,
                                max_wait=options.max_wait, max_retries=options.max_retries,
                                shared_limits=self.limits.shared(environment), on_warning=_count_warning,
                                on_rate_limited=self.limits.hook(environment))
            client.sessions.status_timeout = options.status_timeout
            # The replaced client shares the pool (nothing to close); its open session simply expires.
            entry = self._entries[company_id] = _Entry(identity, client, now, now, now)
        entry.used = now
        if sending:
            entry.sent = now
        return entry.client

    def seconds_until_allowed(self, company_id: int, group: str) -> float:
        """How long this process's counters make a request of ``group`` for the company wait (what it
        sent, ``Retry-After`` blocks, the shared ``global`` budget); 0.0 without a client here yet."""
        entry = self._entries.get(company_id)
        return 0.0 if entry is None else entry.client.seconds_until_allowed(group)

    async def close_idle(self) -> None:
        """Close online sessions unused for ``idle_session``; drop clients (with their decrypted logins)
        unused for ``idle_client`` or older than ``login_lifetime`` (once their session is closed)."""
        now = self._now()
        options = self.options
        for company_id, entry in list(self._entries.items()):
            if entry.client.sessions.current is not None and \
                    now - entry.sent > options.idle_session.total_seconds():
                with contextlib.suppress(KsefError, httpx.HTTPError):
                    await entry.client.close_session()
            idle = now - entry.used > options.idle_client.total_seconds()
            expired = now - entry.created > options.login_lifetime.total_seconds() and \
                entry.client.sessions.current is None
            if idle or expired:
                self._entries.pop(company_id, None)
                await entry.client.aclose()

    async def aclose(self) -> None:
        """Drop every client and close the connection pools."""
        for entry in self._entries.values():
            await entry.client.aclose()
        self._entries.clear()
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()


def _count_warning(warning: SystemWarning, method: str, path: str) -> None:
    # The transport logs each distinct warning once; the metrics count every one.
    observe_system_warning(warning.code)
