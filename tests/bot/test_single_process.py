"""Two ``ksef-bot run`` on one SQLite file: the second refuses to start with a clear message; the lock
(``flock`` on ``<database>.lock``) is given back on a stop and dropped by the kernel on a crash."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotOptions
from bot.runner import BotRuntime
from bot.store.locks import AlreadyRunningError, DatabaseFileLock
from tests.fixtures.bot import BotHarness, MutableClock


async def test_a_second_bot_on_the_same_sqlite_file_is_refused(bot_app: BotHarness) -> None:
    options = BotOptions(clock=MutableClock(), poll_timeout=1, set_commands=False)
    second = BotRuntime(bot_app.settings, options)
    try:
        with pytest.raises(AlreadyRunningError) as refused:
            await second.start()
    finally:
        await second.stop()
    database = bot_app.settings.database_url.split("///", 1)[1]
    assert "already running" in str(refused.value) and database in str(refused.value)
    # The first one is untouched and still answers.
    user = bot_app.user(7301)
    await bot_app.say(user, "/status", contains="Status KSeF")
    # A crash gives the lock up (the kernel drops a dead process's flock; kill() closes it the same way).
    await bot_app.crash_and_restart()
    await bot_app.say(user, "/status", contains="Status KSeF")


def test_the_lock_dies_with_a_killed_process(tmp_path: Path) -> None:
    database = tmp_path / "ksefbot.sqlite"
    script = ("import sys; from pathlib import Path; from bot.store.locks import DatabaseFileLock; "
              f"DatabaseFileLock(Path({str(database)!r})).acquire(); print('held', flush=True); "
              "sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunningError, match=f"pid {holder.pid}"):
            DatabaseFileLock(database).acquire()
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs in the holder
        holder.wait()
    lock = DatabaseFileLock(database)
    lock.acquire()
    lock.release()


def test_cli_run_refuses_while_another_process_holds_the_database(sim: Any, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("KSEFBOT_MASTER_KEY", "KSEFBOT_MASTER_KEY_FILE", "DATABASE_URL", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KSEFBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KSEF_ENV", sim.base_url)
    running = DatabaseFileLock(tmp_path / "data" / "ksefbot.sqlite")
    (tmp_path / "data").mkdir()
    running.acquire()  # what a running `ksef-bot run` holds
    try:
        with pytest.raises(SystemExit) as stopped:
            main(["run"])
    finally:
        running.release()
    assert str(stopped.value).startswith("ksef-bot: cannot start: another ksef-bot process")
    assert (tmp_path / "data" / "ksefbot.sqlite").stat().st_size == 0  # refused before migrating anything
