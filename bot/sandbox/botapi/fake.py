"""``FakeBotApi``: the server object. It serves ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``
like api.telegram.org, keeps the state, records every call, injects faults, enforces Telegram's
flood limits, and gives tests their waits and reads.

Threading: the ASGI app may run in a uvicorn thread while tests call the helpers from their own
event loop, so all state sits behind one lock and waiters are woken with
``loop.call_soon_threadsafe``. It also works in-process through ``httpx.ASGITransport(app=fake)``.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

# The method modules register their handlers on import.
from bot.sandbox.botapi import bot_profile, editing, media, sending  # noqa: F401
from bot.sandbox.botapi import updates as update_delivery
from bot.sandbox.botapi.limits import COUNTED_METHODS, FloodControl, FloodLimits
from bot.sandbox.botapi.records import (
    ApiCall,
    BotApiError,
    CallbackQueryRecord,
    ChatMessage,
    StoredFile,
    UploadedFile,
    bad_request,
    make_token,
)
from bot.sandbox.botapi.registry import HANDLERS
from bot.sandbox.botapi.state import BotApiState
from bot.sandbox.botapi.users import FakeUser
from bot.sandbox.botapi.waiting import ChangeNotifier
from bot.sandbox.botapi.wire import Fault, error_response, fault_response, read_params


class FakeBotApi(ChangeNotifier):
    """The fake Bot API: an ASGI app (``fake.app``, or the object itself) plus test-side helpers.

    429 answers: ``too_many_requests`` counts every one (injected or from the limiter),
    ``rejected_calls()`` lists them, ``flood.stats`` has the limiter's own counters per chat and
    ``flood.limits`` the figures it enforces (only with ``enforce_limits=True``).
    """

    def __init__(self, token: str | None = None, *, username: str = "ksef_test_bot",
                 first_name: str = "KSeF Bot", enforce_limits: bool = False,
                 limits: FloodLimits | None = None, clock: Callable[[], float] = time.monotonic,
                 webhook_transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__()
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
        self.state = BotApiState()
        self.calls: list[ApiCall] = []
        self.get_updates_calls = 0
        self.too_many_requests = 0  # every 429 answered, injected or from the limiter
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_texts: dict[str, str] = {}
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_last_error: tuple[int, str] | None = None
        self.webhook_max_connections = 40
        self.delivering = False  # a webhook delivery is under way
        self.tasks: set[asyncio.Task[None]] = set()
        self.app = Starlette(routes=[
            Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"]),
            Route("/file/bot{token}/{file_path:path}", self._download, methods=["GET"]),
        ])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point, so ``httpx.ASGITransport(app=fake)`` and uvicorn take the object itself."""
        await self.app(scope, receive, send)

    # --- waiting (helpers in ChangeNotifier) ------------------------------------------------------

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
        with self.lock:
            existing = self.state.users.get(user_id)
            if existing is not None:
                return existing
            info: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
            chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
            for key, value in (("last_name", last_name), ("username", username)):
                if value:
                    info[key] = chat[key] = value
            if language_code:
                info["language_code"] = language_code
            user = FakeUser(self, info)
            self.state.users[user_id] = user
            self.state.chats[user_id] = chat
            self.state.messages[user_id] = []
            self.state.next_message_id[user_id] = 1
            return user

    def block_user(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends answer 403 "bot was blocked by the user"."""
        with self.lock:
            if blocked:
                self.state.blocked.add(user_id)
            else:
                self.state.blocked.discard(user_id)

    def _last_user_message_id(self, chat_id: int) -> int:
        with self.lock:
            for msg in reversed(self.state.messages.get(chat_id, [])):
                if not msg.from_bot:
                    return msg.message_id
        return 0

    # --- reading the conversation -----------------------------------------------------------------

    def chat_messages(self, chat_id: int) -> list[ChatMessage]:
        """Every message of the chat in order, user's and bot's, deleted ones included (marked)."""
        with self.lock:
            return list(self.state.messages.get(chat_id, []))

    def bot_messages(self, chat_id: int, *, include_deleted: bool = True) -> list[ChatMessage]:
        """The bot's messages in the chat."""
        return [m for m in self.chat_messages(chat_id) if m.from_bot and (include_deleted or not m.deleted)]

    def last_bot_message(self, chat_id: int) -> ChatMessage | None:
        """The bot's newest message that is still visible."""
        visible = self.bot_messages(chat_id, include_deleted=False)
        return visible[-1] if visible else None

    def message(self, chat_id: int, message_id: int) -> ChatMessage | None:
        """One message by id (current snapshot)."""
        with self.lock:
            for msg in self.state.messages.get(chat_id, []):
                if msg.message_id == message_id:
                    return msg
        return None

    def reply_keyboard(self, chat_id: int) -> tuple[tuple[str, ...], ...]:
        """The labels of the keyboard under the chat's message field, row by row (empty: none shown)."""
        with self.lock:
            return self.state.reply_keyboards.get(chat_id, ())

    def set_reply_keyboard(self, chat_id: int, labels: tuple[tuple[str, ...], ...]) -> None:
        """A bot message replaced (or, with ``()``, removed) the keyboard under the message field."""
        with self.lock:
            if labels:
                self.state.reply_keyboards[chat_id] = labels
            else:
                self.state.reply_keyboards.pop(chat_id, None)
        self.notify()

    def media_group(self, chat_id: int, media_group_id: str) -> list[ChatMessage]:
        """The messages of one album, in order."""
        return [m for m in self.chat_messages(chat_id) if m.media_group_id == media_group_id]

    def deleted_message_ids(self, chat_id: int) -> list[int]:
        """Ids of deleted messages (user's and bot's)."""
        return [m.message_id for m in self.chat_messages(chat_id) if m.deleted]

    def sent_documents(self, chat_id: int) -> list[tuple[str | None, bytes]]:
        """(filename, bytes) of every document the bot sent to the chat."""
        return [(m.document.filename, m.document.content) for m in self.bot_messages(chat_id)
                if m.document is not None]

    def calls_of(self, method: str) -> list[ApiCall]:
        """Recorded calls of one method."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def rejected_calls(self, code: int = 429) -> list[ApiCall]:
        """Recorded calls answered with the error ``code`` (by default the flood limit's 429)."""
        with self.lock:
            return [c for c in self.calls if c.error_code == code]

    def callback_query(self, query_id: str) -> CallbackQueryRecord | None:
        """Current state of a button press."""
        with self.lock:
            return self.state.callbacks.get(query_id)

    def file(self, file_id: str) -> StoredFile | None:
        """A stored file by id."""
        with self.lock:
            return self.state.files.get(file_id)

    # --- fault injection --------------------------------------------------------------------------

    def fail_next(self, method: str, *, status: int = 429, retry_after: int | None = 1, count: int = 1,
                  description: str | None = None, drop: bool = False) -> None:
        """Make the next ``count`` calls of ``method`` (``"*"``: any method but getUpdates) fail.

        429 carries ``parameters.retry_after``; 500/502/503/504 answer an HTML page like a proxy in
        front of Telegram; other statuses answer Telegram's JSON error; ``drop=True`` cuts the
        connection in the middle of the response (the client sees a network error).
        """
        with self.lock:
            self.state.faults.setdefault(method, []).append(
                Fault(status, retry_after if status == 429 else None, description, drop, count))

    def clear_faults(self) -> None:
        """Forget every fault not yet used (Telegram is back)."""
        with self.lock:
            self.state.faults.clear()

    def _take_fault(self, method: str) -> Fault | None:
        with self.lock:
            for key in (method, "*"):
                if key == "*" and method == "getUpdates":
                    continue
                queue = self.state.faults.get(key)
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
        with self.lock:
            update = {"update_id": next(self.state.update_ids), **update}
            self.state.updates.append(update)
            webhook = self.webhook_url
        self.notify()
        if webhook:
            await self.flush_webhook()
        return update

    async def flush_webhook(self) -> None:
        """Deliver queued updates to the webhook in order; a failed delivery stays queued."""
        await update_delivery.deliver_webhook(self)

    def hold_polling(self) -> None:
        """From now on long polls wait until :meth:`close` (a ``timeout=0`` call still answers at once).

        Stopping a bot while its long poll waits here is the quiet case for python-telegram-bot: a poll
        cancelled just as it restarts can leave its one-connection pool busy, and the updater's last
        acknowledging ``getUpdates`` then logs a PoolTimeout traceback.
        """
        with self.lock:
            self.state.hold_polls = True
        self.notify(changed=False)

    @property
    def polls_waiting(self) -> int:
        """``getUpdates`` calls waiting for an update right now."""
        with self.lock:
            return self.state.polls_waiting

    def close(self) -> None:
        """Stop: long polls return at once (used when the server shuts down)."""
        self.closed = True
        self.notify()

    # --- HTTP -------------------------------------------------------------------------------------

    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return error_response(BotApiError(401, "Unauthorized"))
        try:
            params, files = await read_params(request)
        except BotApiError as err:
            return error_response(err)
        # Telegram matches method names case-insensitively; getUpdates is the one long-polling method.
        polling = method.lower() == "getupdates"
        if polling:
            method = "getUpdates"
            with self.lock:
                self.get_updates_calls += 1
        fault = self._take_fault(method)
        chat_id = params.get("chat_id")
        if fault is not None:
            if fault.status == 429 and not fault.drop:
                with self.lock:
                    self.too_many_requests += 1
            if not polling:
                self._record(method, params, files, chat_id, error=BotApiError(fault.status, "injected"))
            return fault_response(fault)
        if polling:
            try:
                found = await update_delivery.get_updates(self, params)
            except BotApiError as err:
                return error_response(err)
            return JSONResponse({"ok": True, "result": found})
        handler = HANDLERS.get(method.lower())
        with self.lock:
            try:
                if handler is None:
                    raise BotApiError(404, "Not Found")
                if self.enforce_limits and method in COUNTED_METHODS and chat_id is not None:
                    album = params.get("media") if method == "sendMediaGroup" else None
                    retry = self.flood.check(chat_id, len(album) if isinstance(album, list) and album else 1)
                    if retry is not None:
                        raise BotApiError(429, f"Too Many Requests: retry after {retry}",
                                          {"retry_after": retry})
                result = handler(self, params, files)
            except BotApiError as err:
                if err.code == 429:
                    self.too_many_requests += 1
                self._record(method, params, files, chat_id, error=err)
                return error_response(err)
            self._record(method, params, files, chat_id)
        return JSONResponse({"ok": True, "result": result})

    def _record(self, method: str, params: dict[str, Any], files: dict[str, UploadedFile],
                chat_id: Any, error: BotApiError | None = None) -> None:
        call = ApiCall(method, params, files, chat_id, time.time(), ok=error is None,
                       error_code=error.code if error else None,
                       description=error.description if error else None)
        with self.lock:
            self.calls.append(call)
        self.notify()

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return error_response(BotApiError(401, "Unauthorized"))
        with self.lock:
            file_id = self.state.file_paths.get(request.path_params["file_path"])
            stored = self.state.files.get(file_id) if file_id else None
        if stored is None:
            return error_response(BotApiError(404, "Not Found"))
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream")

    # --- state changes used by the method modules and the simulated users -------------------------

    def chat_for_send(self, params: Mapping[str, Any]) -> int:
        """The private chat a call addresses (400 "chat not found", 403 when the user blocked the bot)."""
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        with self.lock:
            if not isinstance(chat_id, int) or chat_id not in self.state.chats:
                raise bad_request("chat not found")
            if chat_id in self.state.blocked:
                raise BotApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def store_file(self, content: bytes, *, kind: str, filename: str | None,
                   mime_type: str | None) -> StoredFile:
        """Keep a file under a new ``file_id`` (``kind``: documents, photos, ...) for getFile/download."""
        with self.lock:
            number = next(self.state.file_numbers)
        ext = ""
        if filename and "." in filename:
            ext = "." + filename.rsplit(".", 1)[1][:10]
        elif kind == "photos":
            ext = ".jpg"
        prefix = {"documents": "BQACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI"}.get(kind, "CQACAgIAAxkBAAI")
        stored = StoredFile(
            file_id=prefix + secrets.token_urlsafe(48), file_unique_id="AgAD" + secrets.token_urlsafe(9),
            file_path=f"{kind}/file_{number}{ext}", content=content, filename=filename, mime_type=mime_type)
        with self.lock:
            self.state.files[stored.file_id] = stored
            self.state.file_paths[stored.file_path] = stored.file_id
        return stored

    def add_message(self, chat_id: int, *, sender: Mapping[str, Any],
                    build: Callable[[dict[str, Any]], ChatMessage]) -> ChatMessage:
        """Append a message; ``build`` gets the base Message JSON and returns the record."""
        with self.lock:
            message_id = self.state.next_message_id[chat_id]
            self.state.next_message_id[chat_id] = message_id + 1
            base: dict[str, Any] = {
                "message_id": message_id, "from": dict(sender),
                "chat": dict(self.state.chats[chat_id]), "date": int(time.time()),
            }
            msg = build(base)
            self.state.messages[chat_id].append(msg)
        self.notify()
        return msg

    def replace_message(self, chat_id: int, message_id: int,
                        change: Callable[[ChatMessage], ChatMessage]) -> ChatMessage:
        """Swap a message for ``change(message)`` (an edit or a delete)."""
        with self.lock:
            messages = self.state.messages[chat_id]
            for idx, msg in enumerate(messages):
                if msg.message_id == message_id:
                    messages[idx] = change(msg)
                    new = messages[idx]
                    break
            else:
                raise KeyError(message_id)
        self.notify()
        return new

    def find_message(self, chat_id: int, message_id: Any) -> ChatMessage | None:
        """A message still visible in the chat, or None (unknown id, wrong type, deleted)."""
        if not isinstance(message_id, int):
            return None
        msg = self.message(chat_id, message_id)
        return None if msg is None or msg.deleted else msg

    def mark_deleted(self, chat_id: int, message_id: int) -> None:
        """The message disappears from the chat (its record stays, marked)."""
        self.replace_message(chat_id, message_id, lambda m: replace(m, deleted=True))
