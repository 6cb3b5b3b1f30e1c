"""The status service stub ("Latarnia"): ``/latarnia/status`` and ``/latarnia/messages``
(docs/ksef.md#availability-latarnia)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from ksef.sim.state import SimState

_BAD_GATEWAY = """<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>
<body><center><h1>502 Bad Gateway</h1></center></body></html>"""


def routes(state: SimState) -> list[BaseRoute]:
    """Starlette routes of the status service."""

    async def status(request: Request) -> Response:
        lat = state.availability.latarnia
        if lat.down:
            return HTMLResponse(_BAD_GATEWAY, status_code=502)
        return JSONResponse({"status": lat.status, "messages": lat.messages})

    async def messages(request: Request) -> Response:
        lat = state.availability.latarnia
        if lat.down:
            return HTMLResponse(_BAD_GATEWAY, status_code=502)
        return JSONResponse(lat.messages)

    return [
        Route("/latarnia/status", status, methods=["GET"]),
        Route("/latarnia/messages", messages, methods=["GET"]),
    ]
