"""Serve a :class:`FakeBotApi` with uvicorn in a background thread on a loopback port."""

from __future__ import annotations

import logging
import socket
import threading
import time
from types import TracebackType

import uvicorn

from bot.sandbox.botapi.fake import FakeBotApi
from bot.sandbox.botapi.wire import ConnectionDropped


def _not_injected_drop(record: logging.LogRecord) -> bool:
    """Keep uvicorn's log free of tracebacks for connections the fake cuts on purpose."""
    return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


logging.getLogger("uvicorn.error").addFilter(_not_injected_drop)


class BotApiServer:
    """``with BotApiServer(fake) as server:`` → ``server.api_url`` / ``server.file_url`` for PTB."""

    def __init__(self, fake: FakeBotApi, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.fake = fake
        self.host = host
        # Bind first so the port is known (and ours) before uvicorn starts.
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted connections only when the
        # socket says it is TCP; without it every response waits ~40 ms (Nagle + delayed ACK).
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(fake, log_level="warning", lifespan="off", ws="none",
                                timeout_graceful_shutdown=2, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` (no trailing slash)."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """What ``TELEGRAM_API_URL`` / PTB's ``base_url`` takes (the token is appended)."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """What ``TELEGRAM_FILE_URL`` / PTB's ``base_file_url`` takes."""
        return f"{self.base_url}/file/bot"

    def start(self, timeout: float = 10.0) -> BotApiServer:
        """Start serving; returns once uvicorn accepts connections."""
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"fake-botapi-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake Bot API server did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (long polls are released first so shutdown is quick)."""
        self.fake.close()
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
