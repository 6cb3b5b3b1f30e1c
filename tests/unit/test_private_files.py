"""The data directory is created 0700, the SQLite database and the master key 0600 — even under a
umask of 0 (the modes are given at creation, not fixed afterwards)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import load_settings
from bot.store.db import Database
from bot.vault import MASTER_KEY_FILENAME, Vault


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("open_umask")
async def test_database_file_and_its_directory_are_private_from_creation(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    db = Database.from_url(f"sqlite+aiosqlite:///{data / 'ksefbot.sqlite'}")
    try:
        await db.migrate()
        async with db.engine.begin() as conn:
            await conn.execute(text("CREATE TABLE probe (x INTEGER)"))
        async with db.engine.begin() as conn:  # a write transaction: SQLite makes its journal meanwhile
            await conn.execute(text("INSERT INTO probe VALUES (1)"))
            journals = sorted(p.name for p in data.iterdir())
            assert "ksefbot.sqlite-journal" in journals
            assert all(mode(data / name) == 0o600 for name in journals), journals
    finally:
        await db.dispose()
    assert mode(data) == 0o700
    assert mode(data / "ksefbot.sqlite") == 0o600


@pytest.mark.usefixtures("open_umask")
def test_master_key_and_data_directory_are_private_from_creation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Vault.from_settings(load_settings({"KSEFBOT_DATA_DIR": str(data)}, env_file=None))
    assert mode(data) == 0o700
    assert mode(data / MASTER_KEY_FILENAME) == 0o600


def test_existing_database_readable_by_others_gets_a_warning(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    from bot.files import private_file

    shared = tmp_path / "ksefbot.sqlite"
    shared.write_bytes(b"")
    shared.chmod(0o644)
    with caplog.at_level("WARNING", logger="bot.files"):
        private_file(shared)
    assert "chmod 600" in caplog.text and str(shared) in caplog.text
    assert mode(shared) == 0o644  # reported, not changed behind the operator's back
