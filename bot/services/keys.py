"""The master key and the stored secrets: rotation (every blob re-wrapped under a new key in one
transaction) and the start-up check that the configured key is the one the secrets are under."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from bot.store.db import Database
from bot.store.models import Certificate, KsefToken, Upload
from bot.vault import (
    KEY_ID_BYTES,
    MASTER_KEY_FILENAME,
    MasterKeyError,
    Vault,
    VaultError,
    blob_key_id,
    key_source,
    load_master_key,
)

if TYPE_CHECKING:
    from bot.config import Settings

# (model, blob column) of every vault-encrypted value; later issues append theirs here.
SECRET_COLUMNS = ((KsefToken, "token_blob"), (Certificate, "key_blob"), (Upload, "blob"))


async def rotate_master_key(db: Database, old: Vault, new: Vault) -> int:
    """Re-wrap every secret from ``old`` to ``new``; returns how many changed.

    Idempotent: blobs already under ``new`` are skipped, so a run interrupted before the key swap
    can simply be repeated. The data ciphertexts are not touched (only their data keys are rewrapped).
    """
    changed = 0
    async with db.transaction() as session:
        for model, column in SECRET_COLUMNS:
            for row in (await session.execute(select(model))).scalars():
                blob: bytes = getattr(row, column)
                if blob_key_id(blob) == new.key_id:
                    continue
                setattr(row, column, old.rewrap(blob, new))
                changed += 1
    return changed


async def stored_key_ids(db: Database) -> dict[str, int]:
    """Master key id → how many stored secrets are wrapped under it (the id is bytes 2-9 of a blob)."""
    counts: dict[str, int] = {}
    async with db.engine.connect() as conn:
        for model, column in SECRET_COLUMNS:
            key_id = func.substr(getattr(model, column), 2, KEY_ID_BYTES)
            for raw, count in await conn.execute(select(key_id, func.count()).group_by(key_id)):
                name = bytes(raw).hex()
                counts[name] = counts.get(name, 0) + int(count)
    return counts


def _holders(key_id: str, settings: Settings) -> list[Path]:
    """Key files beside the configured one that hold ``key_id`` (e.g. left by an interrupted rotate-key)."""
    places = [settings.data_dir / name for name in (MASTER_KEY_FILENAME, f"{MASTER_KEY_FILENAME}.new",
                                                     f"{MASTER_KEY_FILENAME}.old")]
    if settings.master_key_file is not None:
        places.insert(0, settings.master_key_file)
    found = []
    for place in dict.fromkeys(places):
        try:
            if place.is_file() and Vault(load_master_key(None, place, settings.data_dir)).key_id == key_id:
                found.append(place)
        except (OSError, VaultError):
            continue
    return found


async def open_vault(settings: Settings, db: Database) -> Vault:
    """The vault of the configured master key, checked against the key ids stored with the secrets.

    Refuses (:class:`MasterKeyError`) when secrets are stored under another key, and never creates a
    new key file while secrets exist: a lost key must be restored, not silently replaced (every secret
    would then fail to decrypt, company after company, at every poll).
    """
    stored = await stored_key_ids(db)
    source = key_source(settings.master_key, settings.master_key_file, settings.data_dir)
    wanted = ", ".join(f"{key_id} ({count} secret(s))" for key_id, count in sorted(stored.items()))
    try:
        vault = Vault(load_master_key(settings.master_key, settings.master_key_file, settings.data_dir,
                                      create=not stored))
    except MasterKeyError as exc:
        raise MasterKeyError(f"{exc}, but the database holds secrets encrypted under master key id {wanted}: "
                             f"restore that key file to {source} (from your backup) and start again; a "
                             f"new key is not created, it could not open them") from None
    foreign = {key_id: count for key_id, count in stored.items() if key_id != vault.key_id}
    if foreign:
        hints = [f"{path} holds key id {key_id}" for key_id in foreign for path in _holders(key_id, settings)]
        raise MasterKeyError(
            f"the master key from {source} has id {vault.key_id}, but the database holds secrets encrypted "
            f"under master key id {wanted}: restore the key with id "
            f"{', '.join(foreign)} to {source} (or point KSEFBOT_MASTER_KEY_FILE at it) and start again"
            + (f" — {'; '.join(hints)}" if hints else ""))
    return vault
