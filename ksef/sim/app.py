"""The ASGI application of the KSeF simulator: ``/v2`` (KSeF API 2.0), ``/latarnia``, ``/sim`` (admin)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from ksef.sim import (
    admin,
    auth,
    certificates,
    collective,
    latarnia,
    persistence,
    query,
    security,
    sessions,
    tokens,
)
from ksef.sim.keys import ensure_keys
from ksef.sim.routing import ApiRoute, Runtime, dispatch
from ksef.sim.state import SimState

log = logging.getLogger(__name__)

API_ROUTES: list[ApiRoute] = [
    *security.ROUTES,
    *auth.ROUTES,
    *tokens.ROUTES,
    *sessions.ROUTES,
    *query.ROUTES,
    *certificates.ROUTES,
    *collective.ROUTES,
]


def _load_ca(state: SimState) -> Any:
    """The simulator's certificate authority from ``ksef.sim.ca`` when that module exists."""
    try:
        module = importlib.import_module("ksef.sim.certificates")
    except ImportError:
        return None
    sim_ca = getattr(module, "EnrollingCA", None)  # SimCA plus its register of issued certificates
    if sim_ca is None:
        return None
    try:
        if state.ca_state is not None:
            return sim_ca.from_dict(state.ca_state)
        ca = sim_ca.generate()
        state.ca_state = ca.to_dict()
        return ca
    except Exception:  # a broken CA must not take the whole simulator down
        log.exception("ksef.sim.ca.SimCA could not be created; certificates are unavailable")
        return None


def _endpoint(route: ApiRoute, runtime: Runtime) -> Any:
    async def endpoint(request: Request) -> Response:
        return await dispatch(request, route, runtime)

    return endpoint


def create_app(state: SimState | None = None, *, state_file: Path | str | None = None) -> Starlette:
    """Build the simulator. With ``state_file``, state is loaded from it and written back (throttled)."""
    path = Path(state_file) if state_file else None
    if state is None:
        state = persistence.load(path) if path is not None and path.exists() else SimState()
    with state.lock:
        ensure_keys(state.keys)
    runtime = Runtime(state=state, tick=sessions.process_due)
    runtime.ca = _load_ca(state)

    # Group methods per path: one Starlette Route per (path, method).
    routes: list[BaseRoute] = [
        Route("/v2" + r.template, _endpoint(r, runtime), methods=[r.method]) for r in _ordered(API_ROUTES)
    ]
    routes += sessions.storage_routes(state)
    routes += latarnia.routes(state)
    routes += importlib.import_module("ksef.sim.nbp").routes()  # NBP rates /nbp/api/..., admin /sim/nbp
    routes += admin.Admin(runtime).routes()
    routes += certificates.admin_routes(runtime)
    routes += importlib.import_module("ksef.sim.whitelist").routes(runtime)  # MF's VAT list under /wl

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(persistence.writer(state, path, runtime)) if path is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if path is not None:
                persistence.save(state, path, runtime)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.sim = runtime
    return app


def _ordered(routes: list[ApiRoute]) -> list[ApiRoute]:
    """Literal paths before templated ones, so ``/sessions/online`` is never taken for ``/sessions/{ref}``."""
    return sorted(routes, key=lambda r: (r.template.count("{"), -len(r.template)))
