"""The sandbox's local web chat: a page at ``/`` and a small JSON API that plays one Telegram user.

The page long-polls ``GET /api/messages?since=N`` (N is :attr:`FakeBotApi.version`) and acts through
``POST /api/send`` (text), ``/api/press`` (inline button), ``/api/upload`` (document or photo),
``/api/sticker``, ``/api/location``, ``/api/edit`` (the user edits one of their messages) and
``GET /api/files/{file_id}`` (download). ``/api/sim/availability``, ``/api/sim/invoice`` and
``/api/sim/certificate`` drive the KSeF simulator's admin API so a visitor can see failures, incoming
invoices and the certificate flows without any tools. Serve it wrapped in
:class:`bot.sandbox.same_origin.SameOriginOnly`: it acts as the user without any login.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.sandbox.botapi import ChatMessage, FakeBotApi, FakeUser, StoredFile
from bot.sandbox.demo import (
    DemoCompany,
    DemoError,
    create_certificate,
    inject_supplier_invoice,
    set_availability,
)

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("static")
MAX_WAIT = 25.0  # seconds one long poll may hang (below common proxy idle timeouts)
MAX_UPLOAD = 20 * 1024 * 1024


@dataclass
class WebChat:
    """What the web chat serves: the fake Bot API, the visitor's user, the simulator and the demo."""

    fake: FakeBotApi
    user: FakeUser
    sim_root_url: str
    demo: DemoCompany | None = None
    injected: int = 0
    # Ask the bot to check a NIP's invoices now; True when a connected company was found.
    check_now: Callable[[str], Awaitable[bool]] | None = None
    limits_summary: str = ""  # the simulator's limits against production's, for the page
    closing: bool = field(default=False, init=False)

    def app(self) -> Starlette:
        """The ASGI application (serve it on loopback only: it acts as the user without any login)."""
        return Starlette(routes=[
            Route("/", self._index, methods=["GET"]),
            Route("/api/info", self._info, methods=["GET"]),
            Route("/api/messages", self._messages, methods=["GET"]),
            Route("/api/send", self._send, methods=["POST"]),
            Route("/api/press", self._press, methods=["POST"]),
            Route("/api/upload", self._upload, methods=["POST"]),
            Route("/api/sticker", self._sticker, methods=["POST"]),
            Route("/api/location", self._location, methods=["POST"]),
            Route("/api/edit", self._edit, methods=["POST"]),
            Route("/api/files/{file_id}", self._file, methods=["GET"]),
            Route("/api/sim/availability", self._availability, methods=["POST"]),
            Route("/api/sim/invoice", self._invoice, methods=["POST"]),
            Route("/api/sim/certificate", self._certificate, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
        ])

    def close(self) -> None:
        """Release the page's long polls at once (the server is stopping)."""
        self.closing = True
        self.fake.notify(changed=False)

    # --- page and state ---------------------------------------------------------------------------

    async def _index(self, request: Request) -> Response:
        return FileResponse(STATIC_DIR / "index.html", headers={"cache-control": "no-store"})

    async def _info(self, request: Request) -> Response:
        demo = self.demo
        return JSONResponse({
            "user": {"id": self.user.id, "first_name": self.user.info.get("first_name")},
            "bot": {"username": self.fake.bot_user["username"],
                    "first_name": self.fake.bot_user["first_name"]},
            "demo": None if demo is None else {"nip": demo.nip, "token": demo.token,
                                               "suppliers": list(demo.suppliers)},
            "limits": self.limits_summary,
        })

    async def _messages(self, request: Request) -> Response:
        try:
            since = int(request.query_params.get("since", "-1"))
            wait = min(float(request.query_params.get("wait", "0")), MAX_WAIT)
        except ValueError:
            return _error(400, "since i wait muszą być liczbami")
        version = self.fake.version
        if since == version and wait > 0 and not self.closing:
            version = await self.fake.wait_for_change(since, wait, until=lambda: self.closing)
        messages = [message_json(m) for m in self.fake.chat_messages(self.user.chat_id) if not m.deleted]
        # The keyboard under the message field (the bot's menu), row by row; a tap sends its label.
        keyboard = [list(row) for row in self.fake.reply_keyboard(self.user.chat_id)]
        return JSONResponse({"version": version, "messages": messages, "keyboard": keyboard})

    # --- the user's actions -----------------------------------------------------------------------

    async def _send(self, request: Request) -> Response:
        body = await _body(request)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return _error(400, "Pusta wiadomość")
        if len(text) > 4096:
            return _error(400, "Wiadomość jest dłuższa niż 4096 znaków (limit Telegrama)")
        message = await self.user.send_text(text)
        return JSONResponse({"message_id": message.message_id})

    async def _press(self, request: Request) -> Response:
        body = await _body(request)
        message_id, data = body.get("message_id"), body.get("data")
        if not isinstance(message_id, int) or not isinstance(data, str):
            return _error(400, "Potrzebne message_id (liczba) i data (tekst)")
        try:
            record = await self.user.press(message_id, data)
        except LookupError as exc:
            return _error(409, str(exc))
        return JSONResponse({"callback_query_id": record.id})

    async def _upload(self, request: Request) -> Response:
        form = await request.form(max_files=1)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return _error(400, "Brak pliku (pole 'file')")
        content = await upload.read()
        if len(content) > MAX_UPLOAD:
            return _error(413, "Plik jest większy niż 20 MB (tyle bot może pobrać z Telegrama)")
        name = upload.filename or "plik"
        caption = form.get("caption")
        caption_text = caption if isinstance(caption, str) and caption else None
        as_photo = form.get("as_photo") == "1"
        if as_photo:
            message = await self.user.send_photo(content, caption_text, filename=name)
        else:
            message = await self.user.send_document(name, content, upload.content_type, caption_text)
        return JSONResponse({"message_id": message.message_id})

    async def _sticker(self, request: Request) -> Response:
        message = await self.user.send_sticker()
        return JSONResponse({"message_id": message.message_id})

    async def _location(self, request: Request) -> Response:
        message = await self.user.send_location(52.2297, 21.0122)  # Warsaw
        return JSONResponse({"message_id": message.message_id})

    async def _edit(self, request: Request) -> Response:
        body = await _body(request)
        message_id, text = body.get("message_id"), body.get("text")
        if not isinstance(message_id, int) or not isinstance(text, str) or not text.strip():
            return _error(400, "Potrzebne message_id (liczba) i nowy tekst")
        if len(text) > 4096:
            return _error(400, "Wiadomość jest dłuższa niż 4096 znaków (limit Telegrama)")
        try:
            message = await self.user.edit(message_id, text)
        except LookupError as exc:
            return _error(409, str(exc))
        return JSONResponse({"message_id": message.message_id})

    async def _file(self, request: Request) -> Response:
        stored = self.fake.file(request.path_params["file_id"])
        if stored is None:
            return _error(404, "Nie ma takiego pliku")
        disposition = "attachment" if request.query_params.get("download") == "1" else "inline"
        name = quote(stored.filename or stored.file_path.rsplit("/", 1)[-1])
        return Response(stored.content, media_type=stored.mime_type or "application/octet-stream",
                        headers={"content-disposition": f"{disposition}; filename*=UTF-8''{name}",
                                 "cache-control": "no-store"})

    # --- the simulator ----------------------------------------------------------------------------

    async def _availability(self, request: Request) -> Response:
        body = await _body(request)
        mode = body.get("mode")
        if not isinstance(mode, str):
            return _error(400, "Potrzebny tryb (mode)")
        async with httpx.AsyncClient(base_url=self.sim_root_url, timeout=10) as admin:
            try:
                state = await set_availability(admin, mode)
            except DemoError as exc:
                return _error(400, str(exc))
        return JSONResponse({"mode": mode, "availability": state})

    async def _invoice(self, request: Request) -> Response:
        if self.demo is None:
            return _error(409, "Sandbox nie ma firmy demonstracyjnej")
        async with httpx.AsyncClient(base_url=self.sim_root_url, timeout=10) as admin:
            try:
                number = await inject_supplier_invoice(admin, self.demo, self.injected)
            except DemoError as exc:
                return _error(502, str(exc))
        self.injected += 1
        # The bot checks at once (instead of at its next poll); False: the company is not connected,
        # and an invoice from before connecting is never announced.
        connected = await self.check_now(self.demo.nip) if self.check_now is not None else False
        return JSONResponse({"ksefNumber": number, "connected": connected})

    async def _certificate(self, request: Request) -> Response:
        """A demo certificate of the demo company; its ``.key`` then its ``.cert`` go into the chat as
        documents from the user (the order the certificate dialogues ask for them)."""
        if self.demo is None:
            return _error(409, "Sandbox nie ma firmy demonstracyjnej")
        body = await _body(request)
        cert_type, key_type = body.get("type"), body.get("keyType")
        if not isinstance(cert_type, str) or not isinstance(key_type, str):
            return _error(400, "Potrzebne type (Offline albo Authentication) i keyType (RSA albo EC)")
        async with httpx.AsyncClient(base_url=self.sim_root_url, timeout=30) as admin:
            try:
                cert = await create_certificate(admin, self.demo.nip, cert_type, key_type)
            except DemoError as exc:
                return _error(400, str(exc))
        key_name, cert_name = f"{cert.file_stem}.key", f"{cert.file_stem}.cert"
        await self.user.send_document(key_name, cert.key_pem, "application/x-pem-file")
        await self.user.send_document(cert_name, cert.cert_pem, "application/x-x509-ca-cert")
        return JSONResponse({"password": cert.password, "serialNumber": cert.serial_number,
                             "type": cert.cert_type, "keyType": cert.key_type,
                             "files": [key_name, cert_name]})


def _file_json(stored: StoredFile) -> dict[str, Any]:
    return {"file_id": stored.file_id, "name": stored.filename, "mime": stored.mime_type,
            "size": stored.size}


def message_json(message: ChatMessage) -> dict[str, Any]:
    """A chat message as the page renders it (entities use UTF-16 offsets, as JavaScript strings do)."""
    entities = (message.entities if message.text is not None
                else tuple(message.raw.get("caption_entities", ())))
    return {
        "id": message.message_id,
        "from_bot": message.from_bot,
        "date": message.date,
        "text": message.content,
        "entities": list(entities),
        "buttons": [[{"text": b.text, "data": b.callback_data, "url": b.url} for b in row]
                    for row in message.buttons],
        "document": None if message.document is None else _file_json(message.document),
        "photo": None if message.photo is None else _file_json(message.photo),
        "other": _other_kind(message),
        "edited": message.edited,
        "media_group_id": message.media_group_id,
    }


def _other_kind(message: ChatMessage) -> str | None:
    """How the page shows a message that is neither text nor a file (a sticker's emoji, a pin)."""
    if "sticker" in message.raw:
        return "naklejka " + str(message.raw["sticker"].get("emoji") or "")
    if "location" in message.raw:
        return "📍 lokalizacja"
    if "voice" in message.raw:
        return "🎤 wiadomość głosowa"
    return None


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)
