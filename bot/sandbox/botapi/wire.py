"""The HTTP side of the fake Bot API: reading a call's parameters as Telegram does, and its answers
(JSON errors, proxy error pages, a connection cut in the middle) including injected faults."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from bot.sandbox.botapi.limits import MAX_UPLOAD
from bot.sandbox.botapi.records import BotApiError, UploadedFile, bad_request

# Form fields that PTB JSON-encodes (objects, arrays); everything else is taken by its declared type.
JSON_FIELDS = frozenset({
    "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope", "menu_button",
    "link_preview_options", "reply_parameters", "media", "message_ids", "explanation_entities", "options",
})
_INT_FIELDS = frozenset({
    "chat_id", "message_id", "offset", "limit", "timeout", "user_id", "from_chat_id", "max_connections",
    "reply_to_message_id", "message_thread_id", "cache_time", "until_date", "duration", "width", "height",
})
_BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
    "disable_content_type_detection", "allow_paid_broadcast", "show_caption_above_media",
})
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _coerce(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as err:
            raise bad_request(f"can't parse {name} JSON object") from err
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. "@channelusername"
    if name in _BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    return value


async def read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Query string, JSON, urlencoded or multipart parameters (files apart), typed as Telegram reads them."""
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for key, value in request.query_params.multi_items():
        params[key] = _coerce(key, value)
    ctype = request.headers.get("content-type", "")
    if request.method == "POST" and ctype.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as err:
            raise bad_request("can't parse JSON") from err
        if not isinstance(body, dict):
            raise bad_request("JSON object expected")
        for key, value in body.items():
            # Telegram accepts numbers sent as strings; JSON and nested objects stay as they came.
            params[key] = _coerce(key, value) if isinstance(value, str) and key not in JSON_FIELDS else value
    elif request.method == "POST" and ctype.startswith(_FORM_TYPES):
        form = await request.form(max_files=100, max_fields=1000, max_part_size=MAX_UPLOAD)
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                files[key] = UploadedFile(item.filename, await item.read(), item.content_type)
            else:
                params[key] = _coerce(key, item)
    return params, files


def error_response(err: BotApiError) -> JSONResponse:
    """Telegram's JSON error body (``parameters.retry_after`` on a 429)."""
    body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
    if err.parameters:
        body["parameters"] = err.parameters
    return JSONResponse(body, status_code=err.code)


@dataclass
class Fault:
    """An injected failure of the next ``remaining`` calls of a method (``FakeBotApi.fail_next``)."""

    status: int
    retry_after: int | None
    description: str | None
    drop: bool
    remaining: int


def fault_response(fault: Fault) -> Response:
    """What an injected fault answers: Telegram's JSON error, a proxy's HTML page, or a cut connection."""
    if fault.drop:
        return DroppedResponse()
    if fault.status == 429:
        retry = fault.retry_after or 1
        return error_response(BotApiError(
            429, fault.description or f"Too Many Requests: retry after {retry}", {"retry_after": retry}))
    if fault.status >= 500:
        title = {500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable",
                 504: "504 Gateway Time-out"}.get(fault.status, f"{fault.status} Server Error")
        body = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>" \
               f"</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
        return Response(body, status_code=fault.status, media_type="text/html")
    default = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden: bot was blocked by the user",
               404: "Not Found", 409: "Conflict"}.get(fault.status, "Error")
    return error_response(BotApiError(fault.status, fault.description or default))


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised to cut a response short on purpose (``fail_next(..., drop=True)``)."""


class DroppedResponse(Response):
    """Starts a response and breaks the connection in the middle of the body."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")]})
        await send({"type": "http.response.body", "body": b'{"ok": tr', "more_body": True})
        # uvicorn closes the socket on an exception after the response started; in-process the
        # httpx error reaches the client directly. Either way the client sees a network failure.
        raise ConnectionDropped("fake Bot API dropped the connection (injected fault)")
