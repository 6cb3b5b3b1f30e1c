"""Ctrl+C of ``ksef-bot run`` as a real process: a clean stop wherever it lands — during the start-up
checks, while a standby gateway waits for leadership, or while running — never a traceback."""

from __future__ import annotations

import asyncio
import base64
import os
import signal
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from bot.store.db import _MIGRATE_LOCK, Database
from bot.store.locks import LeaderLock
from tests.e2e.test_scale_out import fresh_database, start_process

pytestmark = pytest.mark.slow


def _read(log: Path) -> str:
    return log.read_text(errors="replace")


async def _logged(log: Path, text: str, proc: asyncio.subprocess.Process) -> None:
    async with asyncio.timeout(60):
        while text not in _read(log):
            assert proc.returncode is None, _read(log)[-3000:]
            await asyncio.sleep(0.1)


async def _interrupt(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError("the process did not stop on SIGINT") from None


async def test_ctrl_c_stops_cleanly_at_every_stage(botapi: Any, sim: Any, tmp_path: Path) -> None:
    async with fresh_database() as url:
        env = {"PATH": os.environ.get("PATH", ""), **botapi.env(), "DATABASE_URL": url,
               "KSEF_ENV": sim.base_url, "KSEFBOT_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
               "KSEFBOT_DATA_DIR": str(tmp_path)}
        # 1. During the start-up checks: another process migrates (it holds the migration lock).
        dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        holder, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
        migrating = holder.transaction()
        await migrating.start()
        await holder.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATE_LOCK)
        log = tmp_path / "checks.log"
        proc = await start_process(["run"], env, log)
        await _waiting_for_lock(watcher, proc)
        assert await _interrupt(proc) == 130
        await migrating.rollback()
        await holder.close()
        await watcher.close()
        assert "Traceback" not in log.read_text() and "ksef-bot: interrupted" in log.read_text()
        # 2. A standby gateway: another gateway leads, this one waits for the lock.
        db = Database.from_url(url)
        await db.migrate()
        leader = LeaderLock(db)
        assert await leader.acquire()
        log = tmp_path / "standby.log"
        proc = await start_process(["run"], env, log)
        await _logged(log, "standing by", proc)
        assert await _interrupt(proc) == 0
        await leader.release()
        await db.dispose()
        assert "Traceback" not in log.read_text()
        # 3. Running (leading, polling Telegram).
        log = tmp_path / "running.log"
        proc = await start_process(["run"], env, log)
        await _logged(log, "Application started", proc)
        assert await _interrupt(proc) == 0
        assert "Traceback" not in log.read_text() and "Application.stop() complete" in log.read_text()


async def _waiting_for_lock(watcher: Any, proc: asyncio.subprocess.Process) -> None:
    """Until the process's connection waits on the migration lock (as pg_stat_activity shows; read outside
    any transaction, which would see one snapshot of it)."""
    async with asyncio.timeout(60):
        while not await watcher.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"):
            assert proc.returncode is None, "the bot process exited"
            await asyncio.sleep(0.1)
