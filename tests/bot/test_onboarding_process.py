"""``ksef-bot run`` as a real process: webhook mode with the secret header, killed mid-onboarding."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.paths import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_bot(env: dict[str, str], log_file: Path) -> asyncio.subprocess.Process:
    handle = log_file.open("ab")
    try:
        return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "run", env=env,
                                                    cwd=REPO, stdout=handle, stderr=handle)
    finally:
        handle.close()


async def ready(url: str, proc: asyncio.subprocess.Process, timeout: float = 30) -> None:  # noqa: ASYNC109
    """Wait until the process answers 200 on its readiness endpoint."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            assert proc.returncode is None, "the bot process exited"
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{url} not ready within {timeout} s")
            await asyncio.sleep(0.1)


async def test_webhook_process_checks_secret_and_survives_sigkill(botapi: Any, sim: Any,
                                                                 tmp_path: Path) -> None:
    port, secret = free_port(), "s3cret-Webhook_token-long-enough-for-us"
    env = {
        "PATH": os.environ.get("PATH", ""),
        **botapi.env(),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite'}",
        "KSEF_ENV": sim.base_url,
        "KSEFBOT_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "KSEFBOT_DATA_DIR": str(tmp_path),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/tg",
        "WEBHOOK_SECRET": secret,
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "KSEFBOT_LOG_LEVEL": "DEBUG",
    }
    fake = botapi.fake
    log_file = tmp_path / "bot.log"
    nip, token = sim.create_subject()
    user = fake.user(5001)
    proc = await start_bot(env, log_file)
    try:
        await fake.wait_until(lambda: fake.webhook_url and len(fake.calls_of("setWebhook")) >= 1, timeout=30,
                              message="the bot to register its webhook")
        assert fake.webhook_secret == secret
        await user.send_text("/start")
        first = await fake.wait_for_bot_message(user.chat_id, lambda m: "Wybierz, jak" in m.content,
                                                timeout=30)
        # A forged update without the secret header is refused by the bot's webhook server.
        async with httpx.AsyncClient() as client:
            forged = await client.post(env["WEBHOOK_URL"], json={"update_id": 1, "message": {}})
        assert forged.status_code == 403
        await user.press(first, "Mam już token")
        await fake.wait_for_bot_message(user.chat_id, lambda m: "Podaj NIP" in m.content, timeout=15)
        await user.send_text(nip)
        await fake.wait_for_bot_message(user.chat_id, lambda m: "Wklej teraz token" in m.content, timeout=15)
        proc.send_signal(signal.SIGKILL)  # a crash: nothing shut down, nothing flushed
        await proc.wait()
        proc = await start_bot(env, log_file)
        # The restarted gateway finds its webhook registered (getWebhookInfo) and does not set it again.
        await ready(env["WEBHOOK_URL"].rsplit("/", 1)[0] + "/readyz", proc)
        assert len(fake.calls_of("getWebhookInfo")) >= 2 and len(fake.calls_of("setWebhook")) == 1
        await user.send_text(token)
        await fake.wait_for_bot_message(user.chat_id, lambda m: "Gotowe" in m.content, timeout=30)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 20)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    logs = log_file.read_text(errors="replace")
    assert "Application started" in logs
    for leaked in (token, token.rsplit("|", 1)[1], botapi.token, secret, env["KSEFBOT_MASTER_KEY"]):
        assert leaked not in logs
