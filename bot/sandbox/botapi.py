"""A local Telegram Bot API server: real python-telegram-bot Applications talk to it over HTTP.

It serves ``/bot<token>/<method>`` and ``/file/bot<token>/<file_path>`` like api.telegram.org, keeps
simulated users and their private chats, records every call, and can inject faults and enforce
Telegram's flood limits. Tests drive it with :class:`FakeUser` (``send_text``, ``press``, ...) and
read the conversation back with :meth:`FakeBotApi.chat_messages`; the sandbox web chat uses it as
its backend.

Threading: the ASGI app may run in a uvicorn thread while tests call the helpers from their own
event loop, so all state sits behind one lock and waiters are woken with
``loop.call_soon_threadsafe``. It also works in-process through ``httpx.ASGITransport(app=fake)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import json
import logging
import mimetypes
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.sandbox.botapi_limits import COUNTED_METHODS, FloodControl, FloodLimits
from bot.sandbox.botapi_text import EntityParseError, parse_formatted, utf16_len

log = logging.getLogger(__name__)

# Bot API limits (telegram.constants: MessageLimit, FileSizeLimit, InlineKeyboardButtonLimit).
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_DOWNLOAD = 20 * 1024 * 1024
MAX_UPLOAD = 50 * 1024 * 1024
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024
MAX_COMMANDS = 100
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

# Form fields that PTB JSON-encodes (objects, arrays); everything else is taken by its declared type.
_JSON_FIELDS = frozenset({
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
# Update types delivered when allowed_updates is empty (Telegram's default leaves these out).
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


# --- public records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class UploadedFile:
    """One multipart file part of an API call."""

    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass(frozen=True)
class ApiCall:
    """One request the bot made (``getUpdates`` is counted in ``FakeBotApi.get_updates_calls`` only)."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile]
    chat_id: int | str | None
    at: float
    ok: bool = True
    error_code: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class StoredFile:
    """A file the server knows by ``file_id`` (uploaded by a user or by the bot)."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.content)


@dataclass(frozen=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ChatMessage:
    """A message in a chat as the user sees it; a snapshot (edits and deletes make new snapshots)."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    entities: tuple[dict[str, Any], ...] = ()
    caption: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: StoredFile | None = None
    photo: StoredFile | None = None
    edit_count: int = 0
    deleted: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def edited(self) -> bool:
        """True once the bot has edited it."""
        return self.edit_count > 0

    @property
    def all_buttons(self) -> list[Button]:
        """The inline keyboard, flattened row by row."""
        return [b for row in self.buttons for b in row]

    @property
    def content(self) -> str:
        """Text or caption (empty string when neither)."""
        return self.text if self.text is not None else (self.caption or "")


@dataclass(frozen=True)
class CallbackQueryRecord:
    """A button press and how the bot answered it."""

    id: str
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False
    answer_text: str | None = None
    show_alert: bool = False


@dataclass
class _Fault:
    status: int
    retry_after: int | None
    description: str | None
    drop: bool
    remaining: int


class BotApiError(Exception):
    """An API call refused the way Telegram refuses it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


# --- the server -----------------------------------------------------------------------------------

class FakeBotApi:
    """The fake Bot API: an ASGI app (``fake.app``, or the object itself) plus test-side helpers."""

    def __init__(self, token: str | None = None, *, username: str = "ksef_test_bot",
                 first_name: str = "KSeF Bot", enforce_limits: bool = False,
                 limits: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic,
                 webhook_transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.token = token or make_token()
        self.bot_id = int(self.token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id, "is_bot": True, "first_name": first_name, "username": username,
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
            "can_connect_to_business": False, "has_main_web_app": False,
        }
        self.enforce_limits = enforce_limits
        self.flood = FloodControl(limits, clock=clock)
        self.webhook_transport = webhook_transport
        self._lock = threading.RLock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.version = 0  # bumped on every change of state
        self.calls: list[ApiCall] = []
        self.get_updates_calls = 0
        self.too_many_requests = 0  # every 429 answered, injected or from the limiter
        self._users: dict[int, FakeUser] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._messages: dict[int, list[ChatMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._files: dict[str, StoredFile] = {}
        self._file_paths: dict[str, str] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, CallbackQueryRecord] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(secrets.randbelow(10_000_000) + 100_000)
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._faults: dict[str, list[_Fault]] = {}
        self._blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_texts: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self._webhook_max_connections = 40
        self._delivering = False
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
        ])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point, so ``httpx.ASGITransport(app=fake)`` and uvicorn take the object itself."""
        await self.app(scope, receive, send)

    # --- waiting ----------------------------------------------------------------------------------

    def _notify(self) -> None:
        """Wake every waiter, in whichever event loop (thread) it sleeps."""
        with self._lock:
            self.version += 1
            waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # loop already closed
                loop.call_soon_threadsafe(event.set)

    async def wait_for_change(self, since: int, seconds: float) -> int:
        """Sleep until ``version`` moves past ``since`` or ``seconds`` pass; return the version
        (the sandbox web chat long-polls with it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while self.version == since and not self._closed:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            event = asyncio.Event()
            with self._lock:
                if self.version != since:
                    break
                self._waiters.append((loop, event))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
        return self.version

    def _subscribe(self, loop: asyncio.AbstractEventLoop) -> asyncio.Event:
        """An event set (in ``loop``) at the next change of state."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.append((loop, event))
        return event

    # The helpers take ``timeout=`` (ASYNC109) because tests read better with it than with a wrapper.
    async def wait_until(self, predicate: Callable[[], Any], *, timeout: float = 10.0,  # noqa: ASYNC109
                         message: str = "condition") -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change) and return its value."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._subscribe(loop)
            value = predicate()
            if value:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Bot API: timed out after {timeout} s waiting for {message}")
            # Also re-check now and then: predicates may depend on state outside the fake.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), min(remaining, 0.5))

    async def wait_for_bot_message(self, chat_id: int,
                                   predicate: Callable[[ChatMessage], bool] | None = None, *,
                                   after: int | ChatMessage | None = None,
                                   timeout: float = 10.0) -> ChatMessage:  # noqa: ASYNC109
        """The first bot message in ``chat_id`` newer than ``after`` (default: the user's latest
        message at the time of the call) that matches ``predicate`` (checked on its current state)."""
        if after is None:
            after_id = self._last_user_message_id(chat_id)
        else:
            after_id = after.message_id if isinstance(after, ChatMessage) else after

        def find() -> ChatMessage | None:
            for msg in self.chat_messages(chat_id):
                if msg.from_bot and msg.message_id > after_id and (predicate is None or predicate(msg)):
                    return msg
            return None

        result: ChatMessage = await self.wait_until(
            find, timeout=timeout, message=f"a bot message in chat {chat_id} after #{after_id}")
        return result

    async def wait_for_call(self, method: str, count: int = 1, *,
                            timeout: float = 10.0) -> list[ApiCall]:  # noqa: ASYNC109
        """Wait until ``method`` has been called ``count`` times; return those calls."""
        def found() -> list[ApiCall] | None:
            calls = self.calls_of(method)
            return calls if len(calls) >= count else None

        result: list[ApiCall] = await self.wait_until(found, timeout=timeout,
                                                      message=f"{count} × {method}")
        return result

    # --- users and chats --------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "Jan", *, last_name: str | None = None,
             username: str | None = None, language_code: str | None = "pl") -> FakeUser:
        """The simulated user ``user_id`` (created with its private chat on first use)."""
        with self._lock:
            existing = self._users.get(user_id)
            if existing is not None:
                return existing
            info: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
            if last_name:
                info["last_name"] = last_name
            if username:
                info["username"] = username
            if language_code:
                info["language_code"] = language_code
            chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            if last_name:
                chat["last_name"] = last_name
            if username:
                chat["username"] = username
            user = FakeUser(self, info)
            self._users[user_id] = user
            self._chats[user_id] = chat
            self._messages[user_id] = []
            self._next_message_id[user_id] = 1
            return user

    def chat_ids(self) -> list[int]:
        """Every chat the server knows, oldest first."""
        with self._lock:
            return list(self._chats)

    def block_user(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends answer 403 "bot was blocked by the user"."""
        with self._lock:
            if blocked:
                self._blocked.add(user_id)
            else:
                self._blocked.discard(user_id)

    def _new_message_id(self, chat_id: int) -> int:
        mid = self._next_message_id[chat_id]
        self._next_message_id[chat_id] = mid + 1
        return mid

    def _last_user_message_id(self, chat_id: int) -> int:
        with self._lock:
            for msg in reversed(self._messages.get(chat_id, [])):
                if not msg.from_bot:
                    return msg.message_id
        return 0

    # --- reading the conversation -----------------------------------------------------------------

    def chat_messages(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat in order, user's and bot's, deleted ones included (marked)."""
        with self._lock:
            return list(self._messages.get(chat_id, []))

    def bot_messages(self, chat_id: int, *, include_deleted: bool = True) -> list[ChatMessage]:
        """The bot's messages in the chat."""
        return [m for m in self.chat_messages(chat_id) if m.from_bot and (include_deleted or not m.deleted)]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        """The bot's newest message that is still visible."""
        visible = self.bot_messages(chat_id, include_deleted=False)
        return visible[-1] if visible else None

    def message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """One message by id (current snapshot)."""
        with self._lock:
            for msg in self._messages.get(chat_id, []):
                if msg.message_id == message_id:
                    return msg
        return None

    def deleted_message_ids(self, chat_id: int) -> list[int]:
        """Ids of deleted messages (user's and bot's)."""
        return [m.message_id for m in self.chat_messages(chat_id) if m.deleted]

    def sent_documents(self, chat_id: int) -> list[tuple[str | None, bytes]]:
        """(filename, bytes) of every document the bot sent to the chat."""
        return [(m.document.filename, m.document.content) for m in self.bot_messages(chat_id)
                if m.document is not None]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def callback_query(self, query_id: str) -> CallbackQueryRecord | None:
        """Current state of a button press."""
        with self._lock:
            return self._callbacks.get(query_id)

    def file(self, file_id: str) -> StoredFile | None:
        """A stored file by id."""
        with self._lock:
            return self._files.get(file_id)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by the bot."""
        with self._lock:
            return len(self._updates)

    # --- fault injection --------------------------------------------------------------------------

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = 1, count: int = 1,
                  description: str | None = None, drop: bool = False) -> None:
        """Make the next ``count`` calls of ``method`` (``"*"``: any method but getUpdates) fail.

        429 carries ``parameters.retry_after``; 500/502/503/504 answer an HTML page like a proxy in
        front of Telegram; other statuses answer Telegram's JSON error; ``drop=True`` cuts the
        connection in the middle of the response (the client sees a network error).
        """
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(status, retry_after if status == 429 else None, description, drop, count))

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for key in (method, "*"):
                if key == "*" and method == "getUpdates":
                    continue
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.pop(0)
                    return fault
        return None

    # --- updates ----------------------------------------------------------------------------------

    async def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (``update_id`` is assigned) and deliver it to the webhook if one is set."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            webhook = self.webhook_url
        self._notify()
        if webhook:
            await self.flush_webhook()
        return update

    def _update_type(self, update: Mapping[str, Any]) -> str:
        return next(k for k in update if k != "update_id")

    def _take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        with self._lock:
            if offset is not None:
                if offset < 0:
                    self._updates = self._updates[offset:] if -offset < len(self._updates) else self._updates
                else:
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
            allowed = set(self._allowed_updates)
            wanted = [u for u in self._updates if (self._update_type(u) in allowed if allowed
                                                   else self._update_type(u) not in _OPT_IN_UPDATES)]
            if len(wanted) != len(self._updates):
                self._updates = wanted  # Telegram never creates updates of types not allowed
            return [dict(u) for u in wanted[:limit]]

    async def flush_webhook(self) -> None:
        """Deliver queued updates to the webhook in order; a failed delivery stays queued."""
        with self._lock:
            if self._delivering or not self.webhook_url:
                return
            self._delivering = True
        try:
            async with httpx.AsyncClient(transport=self.webhook_transport, timeout=10.0) as client:
                while True:
                    with self._lock:
                        url, secret = self.webhook_url, self.webhook_secret
                        batch = self._take_updates(None, 1)
                        if not url or not batch:
                            self._delivering = False
                            return
                    update = batch[0]
                    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                    try:
                        res = await client.post(url, json=update, headers=headers)
                        failure = None if res.status_code < 300 else f"Wrong response from the webhook: " \
                                                                    f"{res.status_code} {res.reason_phrase}"
                    except httpx.HTTPError as err:
                        failure = f"Connection failed: {err.__class__.__name__}"
                    with self._lock:
                        if failure:
                            self.webhook_last_error = (int(time.time()), failure)
                            self._delivering = False
                            return
                        self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
                    self._notify()
        except BaseException:
            with self._lock:
                self._delivering = False
            raise

    def close(self) -> None:
        """Stop: long polls return at once (used when the server shuts down)."""
        self._closed = True
        self._notify()

    # --- HTTP -------------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return _error_response(BotApiError(401, "Unauthorized"))
        try:
            params, files = await _read_params(request)
        except BotApiError as err:
            return _error_response(err)
        # Telegram matches method names case-insensitively; getUpdates is the one long-polling method.
        polling = method.lower() == "getupdates"
        if polling:
            method = "getUpdates"
            with self._lock:
                self.get_updates_calls += 1
        fault = self._take_fault(method)
        chat_id = params.get("chat_id")
        if fault is not None:
            if not polling:
                self._record(method, params, files, chat_id, error=BotApiError(fault.status, "injected"))
            return self._fault_response(fault)
        if polling:
            try:
                updates = await _get_updates(self, params)
            except BotApiError as err:
                return _error_response(err)
            return JSONResponse({"ok": True, "result": updates})
        handler = _HANDLERS.get(method.lower())
        with self._lock:
            try:
                if handler is None:
                    raise BotApiError(404, "Not Found")
                if self.enforce_limits and method in COUNTED_METHODS and chat_id is not None:
                    retry = self.flood.check(chat_id)
                    if retry is not None:
                        raise BotApiError(429, f"Too Many Requests: retry after {retry}",
                                          {"retry_after": retry})
                result = handler(self, params, files)
            except BotApiError as err:
                if err.code == 429:
                    self.too_many_requests += 1
                self._record(method, params, files, chat_id, error=err)
                return _error_response(err)
            self._record(method, params, files, chat_id)
        return JSONResponse({"ok": True, "result": result})

    def _record(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile],
                chat_id: Any, error: BotApiError | None = None) -> None:
        call = ApiCall(method, params, files, chat_id, time.time(), ok=error is None,
                       error_code=error.code if error else None,
                       description=error.description if error else None)
        with self._lock:
            self.calls.append(call)
        self._notify()

    def _fault_response(self, fault: _Fault) -> Response:
        if fault.drop:
            return _DroppedResponse()
        if fault.status == 429:
            with self._lock:
                self.too_many_requests += 1
            retry = fault.retry_after or 1
            return _error_response(BotApiError(
                429, fault.description or f"Too Many Requests: retry after {retry}", {"retry_after": retry}))
        if fault.status >= 500:
            title = {500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable",
                     504: "504 Gateway Time-out"}.get(fault.status, f"{fault.status} Server Error")
            body = f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>" \
                   f"</center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"
            return Response(body, status_code=fault.status, media_type="text/html")
        default = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden: bot was blocked by the user",
                   404: "Not Found", 409: "Conflict"}.get(fault.status, "Error")
        return _error_response(BotApiError(fault.status, fault.description or default))

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return _error_response(BotApiError(401, "Unauthorized"))
        with self._lock:
            file_id = self._file_paths.get(request.path_params["file_path"])
            stored = self._files.get(file_id) if file_id else None
        if stored is None:
            return _error_response(BotApiError(404, "Not Found"))
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    # --- state helpers used by the method handlers ------------------------------------------------

    def _chat_for_send(self, params: Mapping[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        with self._lock:
            if not isinstance(chat_id, int) or chat_id not in self._chats:
                raise _bad("chat not found")
            if chat_id in self._blocked:
                raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _store_file(self, content: bytes, *, kind: str, filename: str | None,
                    mime_type: str | None) -> StoredFile:
        number = next(self._file_counter)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:10]
        elif kind == "photos":
            ext = ".jpg"
        prefix = {"documents": "BQACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI"}.get(kind, "CQACAgIAAxkBAAI")
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(48), file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=f"{kind}/file_{number}{ext}", content=content, filename=filename, mime_type=mime_type)
        with self._lock:
            self._files[stored.file_id] = stored
            self._file_paths[stored.file_path] = stored.file_id
        return stored

    def _add_message(self, chat_id: int, *, from_bot: bool, sender: Mapping[str, Any],
                     build: Callable[[dict[str, Any]], ChatMessage]) -> ChatMessage:
        """Append a message; ``build`` gets the base Message JSON and returns the record."""
        with self._lock:
            base: dict[str, Any] = {
                "message_id": self._new_message_id(chat_id), "from": dict(sender),
                "chat": dict(self._chats[chat_id]), "date": int(time.time()),
            }
            msg = build(base)
            self._messages[chat_id].append(msg)
        self._notify()
        return msg

    def _replace_message(self, chat_id: int, message_id: int,
                         change: Callable[[ChatMessage], ChatMessage]) -> ChatMessage:
        with self._lock:
            messages = self._messages[chat_id]
            for idx, msg in enumerate(messages):
                if msg.message_id == message_id:
                    messages[idx] = change(msg)
                    new = messages[idx]
                    break
            else:
                raise KeyError(message_id)
        self._notify()
        return new

    def _find_message(self, chat_id: int, message_id: Any) -> ChatMessage | None:
        if not isinstance(message_id, int):
            return None
        msg = self.message(chat_id, message_id)
        return None if msg is None or msg.deleted else msg


# --- request parsing and responses ----------------------------------------------------------------

def make_token() -> str:
    """A Bot-API-shaped token generated at run time (never a real one)."""
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"


def _coerce(name: str, value: str) -> Any:
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError as err:
            raise _bad(f"can't parse {name} JSON object") from err
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. "@channelusername"
    if name in _BOOL_FIELDS:
        return value.strip().lower() in ("true", "1")
    return value


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


async def _read_params(request: Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    for key, value in request.query_params.multi_items():
        params[key] = _coerce(key, value)
    ctype = request.headers.get("content-type", "")
    if request.method == "POST" and ctype.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as err:
            raise _bad("can't parse JSON") from err
        if not isinstance(body, dict):
            raise _bad("JSON object expected")
        for key, value in body.items():
            # Telegram accepts numbers sent as strings; JSON and nested objects stay as they came.
            params[key] = _coerce(key, value) if isinstance(value, str) and key not in _JSON_FIELDS else value
    elif request.method == "POST" and ctype.startswith(_FORM_TYPES):
        form = await request.form(max_files=100, max_fields=1000, max_part_size=MAX_UPLOAD)
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                files[key] = UploadedFile(item.filename, await item.read(), item.content_type)
            else:
                params[key] = _coerce(key, item)
    return params, files


def _error_response(err: BotApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": err.code, "description": err.description}
    if err.parameters:
        body["parameters"] = err.parameters
    return JSONResponse(body, status_code=err.code)


class ConnectionDropped(httpx.RemoteProtocolError):
    """Raised to cut a response short on purpose (``fail_next(..., drop=True)``)."""


class _DroppedResponse(Response):
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


# --- text, keyboards, files -----------------------------------------------------------------------

def _formatted(params: Mapping[str, Any], field_name: str, entities_field: str, limit: int,
               *, required: bool) -> tuple[str | None, list[dict[str, Any]]]:
    raw = params.get(field_name)
    if raw is None or raw == "":
        if required:
            raise _bad("message text is empty")
        return None, []
    raw = str(raw)
    explicit = params.get(entities_field)
    if explicit:
        text, entities = raw, list(explicit)
    else:
        try:
            text, entities = parse_formatted(raw, params.get("parse_mode"))
        except EntityParseError as err:
            if str(err).startswith("Unsupported parse_mode"):
                raise _bad("unsupported parse_mode") from err
            raise _bad(f"can't parse entities: {err}") from err
    if required and not text.strip():
        raise _bad("message text is empty")
    if utf16_len(text) > limit:
        raise _bad("message is too long" if field_name == "text" else "message caption is too long")
    return text, entities


def _keyboard(params: Mapping[str, Any]) -> tuple[dict[str, Any] | None, tuple[tuple[Button, ...], ...]]:
    markup = params.get("reply_markup")
    if not markup:
        return None, ()
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup, ()  # reply keyboards / remove / force reply: kept in raw only
    if not isinstance(rows, list):
        raise _bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array")
    out: list[tuple[Button, ...]] = []
    for row in rows:
        buttons: list[Button] = []
        for button in row:
            text = button.get("text")
            if not text:
                raise _bad("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            url = button.get("url")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                raise _bad("BUTTON_DATA_INVALID")
            if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
                raise _bad("BUTTON_URL_INVALID")
            kinds = [k for k in button if k != "text"]
            if len(kinds) != 1:
                raise _bad("can't find field \"callback_data\"" if not kinds else "BUTTON_TYPE_INVALID")
            buttons.append(Button(str(text), str(data) if data is not None else None, url))
        out.append(tuple(buttons))
    return markup, tuple(out)


def _file_json(stored: StoredFile, *, with_name: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                           "file_size": stored.size}
    if with_name and stored.filename:
        out["file_name"] = stored.filename
    if with_name and stored.mime_type:
        out["mime_type"] = stored.mime_type
    return out


def _photo_sizes(stored: StoredFile) -> list[dict[str, Any]]:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(stored.content)) as img:
            width, height = img.size
    except Exception as err:  # any decoder failure is what Telegram reports as this
        raise _bad("IMAGE_PROCESS_FAILED") from err
    sizes = []
    scale = min(1.0, 90 / max(width, height, 1))
    if scale < 1.0:
        sizes.append({**_file_json(stored, with_name=False), "width": max(1, int(width * scale)),
                      "height": max(1, int(height * scale))})
    sizes.append({**_file_json(stored, with_name=False), "width": width, "height": height})
    return sizes


def _resolve_upload(fake: FakeBotApi, params: Mapping[str, Any], files: Mapping[str, UploadedFile],
                    name: str, *, kind: str, limit: int) -> StoredFile:
    value = params.get(name)
    upload = files.get(name)
    if isinstance(value, str) and value.startswith("attach://"):
        upload = files.get(value[len("attach://"):])
        if upload is None:
            raise _bad(f"file {value} not found")
    if upload is not None:
        if not upload.content:
            raise _bad("file must be non-empty")
        if len(upload.content) > limit:
            raise BotApiError(413, "Request Entity Too Large")
        mime = upload.mime_type
        if not mime or mime == "application/octet-stream":
            mime = (mimetypes.guess_type(upload.filename or "")[0] if upload.filename else None) or mime
        return fake._store_file(upload.content, kind=kind, filename=upload.filename, mime_type=mime)
    if isinstance(value, str) and value:
        stored = fake.file(value)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        return stored
    raise _bad(f"there is no {name} in the request")


# --- method handlers ------------------------------------------------------------------------------

# Handlers are synchronous so each runs entirely under the state lock: a test that sees a bot message
# also sees the ApiCall that made it. getUpdates (long polling) is the one async method.
Handler = Callable[[FakeBotApi, dict[str, Any], dict[str, UploadedFile]], Any]
_HANDLERS: dict[str, Handler] = {}


def _method(*names: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in names:
            _HANDLERS[name.lower()] = fn  # Telegram matches method names case-insensitively
        return fn
    return register


@_method("getMe")
def _get_me(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    return dict(fake.bot_user)


@_method("logOut", "close")
def _log_out(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    return True


async def _get_updates(fake: FakeBotApi, params: dict[str, Any]) -> list[dict[str, Any]]:
    if fake.webhook_url:
        raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                               "use deleteWebhook to delete the webhook first")
    offset = params.get("offset")
    limit = params.get("limit", 100)
    timeout = params.get("timeout", 0)
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        limit = 100
    try:
        timeout = min(max(float(timeout), 0.0), 50.0)
    except (TypeError, ValueError):
        timeout = 0.0
    allowed = params.get("allowed_updates")
    with fake._lock:
        if isinstance(allowed, list):
            fake._allowed_updates = [str(a) for a in allowed]
        fake._poll_generation += 1
        generation = fake._poll_generation
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        # Subscribe before looking, so an update queued in between still wakes this poll at once.
        event = fake._subscribe(loop)
        updates = fake._take_updates(offset if isinstance(offset, int) else None, limit)
        if updates or fake._closed:
            return updates
        remaining = deadline - loop.time()
        if remaining <= 0:
            return []
        with fake._lock:
            if fake._poll_generation != generation:
                raise BotApiError(409, "Conflict: terminated by other getUpdates request; "
                                       "make sure that only one bot instance is running")
            if fake.webhook_url:
                raise BotApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                       "use deleteWebhook to delete the webhook first")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), min(remaining, 1.0))


@_method("setWebhook")
def _set_webhook(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    url = str(params.get("url") or "")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
        raise _bad("secret token contains unallowed characters")
    if url and not re.match(r"^https?://[^/\s]+", url):
        raise _bad("bad webhook: Failed to resolve host: Name or service not known")
    # Telegram demands HTTPS; this local server also accepts http:// so bots can be tested on loopback.
    with fake._lock:
        if params.get("drop_pending_updates"):
            fake._updates.clear()
        fake.webhook_url = url or None
        fake.webhook_secret = str(secret) if (secret and url) else None
        fake.webhook_last_error = None
        if isinstance(params.get("allowed_updates"), list):
            fake._allowed_updates = [str(a) for a in params["allowed_updates"]]
        if isinstance(params.get("max_connections"), int):
            fake._webhook_max_connections = params["max_connections"]
    fake._notify()  # a waiting getUpdates now answers 409
    if url:
        task = asyncio.get_running_loop().create_task(_flush_soon(fake))  # called from the ASGI loop
        fake._tasks.add(task)
        task.add_done_callback(fake._tasks.discard)
    return True


async def _flush_soon(fake: FakeBotApi) -> None:
    await asyncio.sleep(0.05)  # the bot usually starts listening right after setWebhook returns
    await fake.flush_webhook()


@_method("deleteWebhook")
def _delete_webhook(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake._lock:
        fake.webhook_url = None
        fake.webhook_secret = None
        if params.get("drop_pending_updates"):
            fake._updates.clear()
    return True


@_method("getWebhookInfo")
def _get_webhook_info(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake._lock:
        info: dict[str, Any] = {"url": fake.webhook_url or "", "has_custom_certificate": False,
                                "pending_update_count": len(fake._updates)}
        if fake.webhook_url:
            info["max_connections"] = fake._webhook_max_connections
            if fake._allowed_updates:
                info["allowed_updates"] = list(fake._allowed_updates)
            if fake.webhook_last_error:
                info["last_error_date"], info["last_error_message"] = fake.webhook_last_error
    return info


def _reply_to(fake: FakeBotApi, chat_id: int, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The message a send replies to (``reply_parameters`` or the older ``reply_to_message_id``)."""
    reply = params.get("reply_parameters")
    if isinstance(reply, dict):
        target, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
    else:
        target, lenient = params.get("reply_to_message_id"), bool(params.get("allow_sending_without_reply"))
    if target is None:
        return None
    msg = fake._find_message(chat_id, target)
    if msg is None:
        if lenient:
            return None
        raise _bad("message to be replied not found")
    return {k: v for k, v in msg.raw.items() if k != "reply_to_message"}


def _bot_message(fake: FakeBotApi, chat_id: int, *, text: str | None = None,
                 entities: list[dict[str, Any]] | None = None, caption: str | None = None,
                 caption_entities: list[dict[str, Any]] | None = None,
                 markup: dict[str, Any] | None = None, buttons: tuple[tuple[Button, ...], ...] = (),
                 document: StoredFile | None = None, photo: StoredFile | None = None,
                 extra: dict[str, Any] | None = None,
                 params: Mapping[str, Any] | None = None) -> ChatMessage:
    reply_to = _reply_to(fake, chat_id, params or {})

    def build(base: dict[str, Any]) -> ChatMessage:
        if reply_to is not None:
            base["reply_to_message"] = reply_to
        if text is not None:
            base["text"] = text
            if entities:
                base["entities"] = entities
        if document is not None:
            base["document"] = _file_json(document)
        if photo is not None:
            base["photo"] = (extra or {}).get("photo")
        if caption is not None:
            base["caption"] = caption
            if caption_entities:
                base["caption_entities"] = caption_entities
        if markup is not None and "inline_keyboard" in markup:
            base["reply_markup"] = markup  # only inline keyboards are part of the Message object
        return ChatMessage(base["message_id"], chat_id, True, base["date"], text, tuple(entities or ()),
                           caption, buttons, document, photo, raw=base)
    return fake._add_message(chat_id, from_bot=True, sender=fake.bot_user, build=build)


@_method("sendMessage")
def _send_message(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake._chat_for_send(params)
    text, entities = _formatted(params, "text", "entities", MAX_TEXT, required=True)
    markup, buttons = _keyboard(params)
    return dict(_bot_message(fake, chat_id, text=text, entities=entities, markup=markup,
                             buttons=buttons, params=params).raw)


@_method("sendDocument")
def _send_document(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake._chat_for_send(params)
    caption, centities = _formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = _keyboard(params)
    stored = _resolve_upload(fake, params, files, "document", kind="documents", limit=MAX_UPLOAD)
    return dict(_bot_message(fake, chat_id, caption=caption, caption_entities=centities, markup=markup,
                             buttons=buttons, document=stored, params=params).raw)


@_method("sendPhoto")
def _send_photo(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake._chat_for_send(params)
    caption, centities = _formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = _keyboard(params)
    stored = _resolve_upload(fake, params, files, "photo", kind="photos", limit=MAX_PHOTO_UPLOAD)
    sizes = _photo_sizes(stored)
    return dict(_bot_message(fake, chat_id, caption=caption, caption_entities=centities, markup=markup,
                             buttons=buttons, photo=stored, extra={"photo": sizes}, params=params).raw)


@_method("sendChatAction")
def _send_chat_action(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    fake._chat_for_send(params)
    if not params.get("action"):
        raise _bad("wrong parameter action in request")
    return True


def _editable(fake: FakeBotApi, params: Mapping[str, Any]) -> tuple[int, ChatMessage]:
    if params.get("inline_message_id"):
        raise _bad("MESSAGE_ID_INVALID")  # inline mode is not simulated
    chat_id = fake._chat_for_send(params)
    msg = fake._find_message(chat_id, params.get("message_id"))
    if msg is None:
        raise _bad("message to edit not found")
    if not msg.from_bot:
        raise _bad("message can't be edited")
    return chat_id, msg


_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")


def _edited(msg: ChatMessage, raw: dict[str, Any], **changes: Any) -> ChatMessage:
    raw["edit_date"] = int(time.time())
    return replace(msg, raw=raw, edit_count=msg.edit_count + 1, **changes)


@_method("editMessageText")
def _edit_text(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    if msg.text is None:
        raise _bad("there is no text in the message to edit")
    text, entities = _formatted(params, "text", "entities", MAX_TEXT, required=True)
    markup, buttons = _keyboard(params)
    if text == msg.text and list(entities) == list(msg.entities) and markup == msg.raw.get("reply_markup"):
        raise _bad(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k not in ("entities", "reply_markup")}
    raw["text"] = text
    if entities:
        raw["entities"] = entities
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake._replace_message(chat_id, msg.message_id, lambda m: _edited(
        m, raw, text=text, entities=tuple(entities), buttons=buttons))
    return dict(new.raw)


@_method("editMessageCaption")
def _edit_caption(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    if msg.text is not None:
        raise _bad("there is no caption in the message to edit")
    caption, centities = _formatted(params, "caption", "caption_entities", MAX_CAPTION, required=False)
    markup, buttons = _keyboard(params)
    if caption == msg.caption and markup == msg.raw.get("reply_markup"):
        raise _bad(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k not in ("caption", "caption_entities", "reply_markup")}
    if caption is not None:
        raw["caption"] = caption
        if centities:
            raw["caption_entities"] = centities
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake._replace_message(chat_id, msg.message_id, lambda m: _edited(
        m, raw, caption=caption, buttons=buttons))
    return dict(new.raw)


@_method("editMessageReplyMarkup")
def _edit_markup(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id, msg = _editable(fake, params)
    markup, buttons = _keyboard(params)
    if markup == msg.raw.get("reply_markup") or (markup is None and "reply_markup" not in msg.raw):
        raise _bad(_NOT_MODIFIED)
    raw = {k: v for k, v in msg.raw.items() if k != "reply_markup"}
    if markup is not None and "inline_keyboard" in markup:
        raw["reply_markup"] = markup
    new = fake._replace_message(chat_id, msg.message_id, lambda m: _edited(m, raw, buttons=buttons))
    return dict(new.raw)


@_method("deleteMessage")
def _delete_message(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake._chat_for_send(params)
    msg = fake._find_message(chat_id, params.get("message_id"))
    if msg is None:
        raise _bad("message to delete not found")
    fake._replace_message(chat_id, msg.message_id, lambda m: replace(m, deleted=True))
    return True


@_method("deleteMessages")
def _delete_messages(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = fake._chat_for_send(params)
    ids = params.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise _bad("MESSAGE_IDS_INVALID")
    for mid in ids:
        if fake._find_message(chat_id, mid) is not None:
            fake._replace_message(chat_id, mid, lambda m: replace(m, deleted=True))
    return True


@_method("answerCallbackQuery")
def _answer_callback(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    query_id = str(params.get("callback_query_id") or "")
    text = params.get("text")
    if text is not None and len(str(text)) > 200:
        raise _bad("MESSAGE_TOO_LONG")
    with fake._lock:
        record = fake._callbacks.get(query_id)
        if record is None or record.answered:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        fake._callbacks[query_id] = replace(record, answered=True, answer_text=text,
                                            show_alert=bool(params.get("show_alert")))
    fake._notify()
    return True


@_method("getFile")
def _get_file(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    stored = fake.file(str(params.get("file_id") or ""))
    if stored is None:
        raise _bad("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise _bad("file is too big")
    return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": stored.size,
            "file_path": stored.file_path}


def _commands_key(params: Mapping[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    scope_key = json.dumps(scope, sort_keys=True) if isinstance(scope, dict) else str(scope)
    return scope_key, str(params.get("language_code") or "")


@_method("setMyCommands")
def _set_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
        raise _bad("BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "can't parse commands JSON")
    for cmd in commands:
        if not isinstance(cmd, dict) or not _COMMAND_RE.fullmatch(str(cmd.get("command", ""))):
            raise _bad("BOT_COMMAND_INVALID")
        if not 1 <= len(str(cmd.get("description", ""))) <= 256:
            raise _bad("BOT_COMMAND_DESCRIPTION_INVALID" if cmd.get("description") else
                       "command description is empty")
    with fake._lock:
        fake.commands[_commands_key(params)] = [dict(c) for c in commands]
    return True


@_method("getMyCommands")
def _get_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake._lock:
        return list(fake.commands.get(_commands_key(params), []))


@_method("deleteMyCommands")
def _delete_commands(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    with fake._lock:
        fake.commands.pop(_commands_key(params), None)
    return True


@_method("setChatMenuButton")
def _set_menu(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    if chat_id is not None:
        fake._chat_for_send(params)
    button = params.get("menu_button") or {"type": "default"}
    if not isinstance(button, dict) or button.get("type") not in ("commands", "web_app", "default"):
        raise _bad("can't parse menu button")
    with fake._lock:
        fake.menu_buttons[chat_id if isinstance(chat_id, int) else None] = button
    return True


@_method("getChatMenuButton")
def _get_menu(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    with fake._lock:
        return fake.menu_buttons.get(chat_id if isinstance(chat_id, int) else None, {"type": "commands"})


@_method("setMyDescription", "setMyShortDescription", "setMyName")
def _set_bot_text(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    value = next((str(params[k]) for k in ("description", "short_description", "name") if k in params), "")
    limit = 512 if "description" in params else (120 if "short_description" in params else 64)
    if len(value) > limit:
        raise _bad("description is too long")
    key = next((k for k in ("description", "short_description", "name") if k in params), "description")
    with fake._lock:
        fake.bot_texts[f"{key}:{params.get('language_code') or ''}"] = value
    return True


@_method("getChat")
def _get_chat(fake: FakeBotApi, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
    chat_id = params.get("chat_id")
    with fake._lock:
        chat = fake._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad("chat not found")
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11}


# --- simulated users ------------------------------------------------------------------------------

class FakeUser:
    """A Telegram user in a private chat with the bot; every action becomes an update."""

    def __init__(self, fake: FakeBotApi, info: dict[str, Any]) -> None:
        self.fake = fake
        self.info = info

    @property
    def id(self) -> int:
        """User id (also the private chat id)."""
        return int(self.info["id"])

    @property
    def chat_id(self) -> int:
        """The private chat with the bot."""
        return self.id

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.info.get('first_name')!r})"

    def _message(self, fields: Callable[[dict[str, Any]], tuple[dict[str, Any], Mapping[str, Any]]]
                 ) -> tuple[ChatMessage, dict[str, Any]]:
        def build(base: dict[str, Any]) -> ChatMessage:
            extra, record = fields(base)
            base.update(extra)
            return ChatMessage(base["message_id"], self.chat_id, False, base["date"], raw=base, **record)
        msg = self.fake._add_message(self.chat_id, from_bot=False, sender=self.info, build=build)
        return msg, dict(msg.raw)

    async def set_blocked(self, blocked: bool = True) -> dict[str, Any]:
        """Block (or unblock) the bot as Telegram does it: sends answer 403 from now on, and the bot gets
        a ``my_chat_member`` update (its status in this private chat: ``kicked`` / ``member``)."""
        self.fake.block_user(self.id, blocked)
        chat = {"id": self.chat_id, "type": "private", "first_name": self.info.get("first_name", "")}
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot = {k: self.fake.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        return await self.fake.push_update({"my_chat_member": {
            "chat": chat, "from": dict(self.info), "date": int(time.time()),
            "old_chat_member": {"status": old, "user": bot, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"status": new, "user": bot, **({"until_date": 0} if new == "kicked" else {})},
        }})

    async def send_text(self, text: str, *, entities: Iterable[dict[str, Any]] = ()) -> ChatMessage:
        """Type and send a text message."""
        ents = list(entities)
        if not ents and text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            ents = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"text": text}
            if ents:
                extra["entities"] = ents
            return extra, {"text": text, "entities": tuple(ents)}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def send_command(self, command: str, args: str = "") -> ChatMessage:
        """Send ``/command`` (leading slash optional) with optional arguments (deep-link payload)."""
        command = command if command.startswith("/") else "/" + command
        return await self.send_text(f"{command} {args}".strip())

    async def press(self, message: ChatMessage | int, button: str) -> CallbackQueryRecord:
        """Press the inline button whose text or callback_data is ``button`` under a bot message."""
        mid = message.message_id if isinstance(message, ChatMessage) else message
        current = self.fake.message(self.chat_id, mid)
        if current is None or current.deleted:
            raise LookupError(f"message #{mid} is not in chat {self.chat_id} (or was deleted)")
        choice = next((b for b in current.all_buttons if button in (b.text, b.callback_data)), None)
        if choice is None:
            labels = [b.text for b in current.all_buttons]
            raise LookupError(f"no button {button!r} under message #{mid}; buttons: {labels}")
        if choice.callback_data is None:
            raise LookupError(f"button {button!r} is a URL button, it sends nothing to the bot")
        record = CallbackQueryRecord(id=str(secrets.randbelow(10**18) + 10**18), chat_id=self.chat_id,
                                     message_id=mid, data=choice.callback_data)
        with self.fake._lock:
            self.fake._callbacks[record.id] = record
        await self.fake.push_update({"callback_query": {
            "id": record.id, "from": dict(self.info), "message": dict(current.raw),
            "chat_instance": str(-(self.chat_id * 7919 % 10**12)), "data": choice.callback_data,
        }})
        return record

    async def send_document(self, filename: str, content: bytes, mime_type: str | None = None,
                            caption: str | None = None) -> ChatMessage:
        """Upload a file as a document; getFile on it serves the same bytes (unless > 20 MB)."""
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self.fake._store_file(content, kind="documents", filename=filename, mime_type=mime)

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"document": _file_json(stored)}
            if caption:
                extra["caption"] = caption
            return extra, {"document": stored, "caption": caption}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def send_photo(self, content: bytes, caption: str | None = None,
                         filename: str = "photo.jpg") -> ChatMessage:
        """Send a picture (compressed, as the Telegram apps do for photos)."""
        stored = self.fake._store_file(content, kind="photos", filename=filename,
                                       mime_type=mimetypes.guess_type(filename)[0] or "image/jpeg")
        sizes = _photo_sizes(stored)

        def fields(base: dict[str, Any]) -> tuple[dict[str, Any], Mapping[str, Any]]:
            extra: dict[str, Any] = {"photo": sizes}
            if caption:
                extra["caption"] = caption
            return extra, {"photo": stored, "caption": caption}

        msg, raw = self._message(fields)
        await self.fake.push_update({"message": raw})
        return msg

    async def block_bot(self) -> None:
        """Block the bot (sends then answer 403) and tell it, as Telegram does, with my_chat_member."""
        self.fake.block_user(self.id)
        chat = dict(self.fake._chats[self.chat_id])
        await self.fake.push_update({"my_chat_member": {
            "chat": chat, "from": dict(self.info), "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": dict(self.fake.bot_user)},
            "new_chat_member": {"status": "kicked", "user": dict(self.fake.bot_user), "until_date": 0},
        }})
