"""``ksef-bot sandbox`` as a real process: it comes up with no credentials and Ctrl+C (SIGINT) stops it
within seconds, without a traceback, even while the page waits in a long poll."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from tests.paths import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_for_page(url: str, proc: asyncio.subprocess.Process, log: Path) -> httpx.Response:
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        while True:
            if proc.returncode is not None:
                pytest.fail(f"sandbox exited with {proc.returncode}, see {log}")
            try:
                return await client.get(url + "/api/info")
            except httpx.TransportError:
                await asyncio.sleep(0.2)


async def test_sandbox_command_starts_without_credentials_and_keeps_data(tmp_path: Path) -> None:
    port, data_dir, log = free_port(), tmp_path / "sandbox", tmp_path / "sandbox.log"
    # Only PATH: no Telegram token, no master key, no .env (cwd is the temp dir).
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port), "--data-dir", str(data_dir),
            "--no-demo-invoices", env=env, cwd=tmp_path, stdout=out, stderr=out)
    try:
        info = (await wait_for_page(f"http://127.0.0.1:{port}", proc, log)).json()
        nip = info["demo"]["nip"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as page:
            version = (await page.get("/api/messages")).json()["version"]
            # The page's long poll is waiting when Ctrl+C comes; the stop releases it.
            waiting = asyncio.create_task(page.get("/api/messages", params={"since": version, "wait": 20}))
            proc.send_signal(signal.SIGINT)
            # Measured: about 1 s; the bound is generous for a loaded 2-core CI machine.
            assert await asyncio.wait_for(proc.wait(), 10) == 0
            with contextlib.suppress(httpx.HTTPError):
                await waiting
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    output = log.read_text()
    assert f"http://127.0.0.1:{port}" in output and nip in output
    assert "Traceback" not in output and "CancelledError" not in output, output
    assert (data_dir / "master.key").stat().st_mode & 0o077 == 0
    assert (data_dir / "ksefbot.sqlite").exists() and (data_dir / "sim-state.json").exists()
    # A second start on the same directory keeps the same demo company.
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port), "--data-dir", str(data_dir),
            "--no-demo-invoices", env=env, cwd=tmp_path, stdout=out, stderr=out)
    try:
        again = (await wait_for_page(f"http://127.0.0.1:{port}", proc, log)).json()
        assert again["demo"]["nip"] == nip
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
        done = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "--port", str(port)],
                              env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stdout and "--port" in done.stdout
