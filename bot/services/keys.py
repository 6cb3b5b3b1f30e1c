"""Master-key rotation: every secret blob re-wrapped under a new key in one transaction."""

from __future__ import annotations

from sqlalchemy import select

from bot.store.db import Database
from bot.store.models import Certificate, KsefToken, Upload
from bot.vault import Vault, blob_key_id

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
