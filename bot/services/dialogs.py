"""Where each chat is in a guided dialogue, kept in the database so a restart or crash resumes there.

Files received mid-dialogue (the ``.key`` before the ``.cert``) are kept vault-encrypted in ``uploads``
and vanish with the dialogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bot.services.access import ensure_user
from bot.services.outbox import JsonObject, Kind, Outbox, json_str
from bot.services.ports import Clock, SecretBox
from bot.store.db import Database
from bot.store.models import ChatState, Upload, User


def _upload_aad(chat_id: int, purpose: str) -> bytes:
    return f"uploads:{chat_id}:{purpose}".encode()


@dataclass(frozen=True)
class Dialog:
    """A chat's position: ``flow`` (onboarding, certificate…), ``step`` and non-secret ``data``."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Expired:
    chat_id: int
    language: str
    flow: str


@dataclass(frozen=True)
class IdleNotice:
    """The payload of "the dialogue ended after a long pause": which dialogue it was."""

    flow: str

    def to_json(self) -> JsonObject:
        return {"flow": self.flow}

    @classmethod
    def from_json(cls, data: JsonObject) -> IdleNotice:
        return cls(json_str(data, "flow"))


IDLE_NOTICE = Kind("dialog.idle", IdleNotice.from_json)


class DialogService:
    """Persisted dialogue state per chat."""

    def __init__(self, db: Database, vault: SecretBox, clock: Clock, outbox: Outbox) -> None:
        self.db, self.vault, self.clock, self.outbox = db, vault, clock, outbox

    async def get(self, chat_id: int) -> Dialog | None:
        async with self.db.transaction() as session:
            row = await session.get(ChatState, chat_id)
            return None if row is None else Dialog(row.flow, row.step, dict(row.data))

    async def set(self, chat_id: int, user_id: int, dialog: Dialog) -> None:
        """Record the new position (and touch the idle timer)."""
        async with self.db.transaction() as session:
            await ensure_user(session, user_id, chat_id)
            row = await session.get(ChatState, chat_id)
            if row is None:
                session.add(ChatState(chat_id=chat_id, user_id=user_id, flow=dialog.flow, step=dialog.step,
                                      data=dict(dialog.data), updated_at=self.clock()))
            else:
                row.user_id, row.flow, row.step = user_id, dialog.flow, dialog.step
                row.data, row.updated_at = dict(dialog.data), self.clock()

    async def clear(self, chat_id: int) -> bool:
        """Leave any dialogue (uploads go with it); True when there was one."""
        async with self.db.transaction() as session:
            await session.execute(delete(Upload).where(Upload.chat_id == chat_id))
            result = await session.execute(delete(ChatState).where(ChatState.chat_id == chat_id))
            return bool(getattr(result, "rowcount", 0))

    async def put_upload(self, chat_id: int, purpose: str, data: bytes) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(Upload).where(Upload.chat_id == chat_id, Upload.purpose == purpose))
            session.add(Upload(chat_id=chat_id, purpose=purpose,
                               blob=self.vault.encrypt(data, aad=_upload_aad(chat_id, purpose))))

    async def get_upload(self, chat_id: int, purpose: str) -> bytes | None:
        async with self.db.transaction() as session:
            row = (await session.execute(select(Upload).where(
                Upload.chat_id == chat_id, Upload.purpose == purpose))).scalar_one_or_none()
            return None if row is None else self.vault.decrypt(row.blob, aad=_upload_aad(chat_id, purpose))

    async def drop_upload(self, chat_id: int, purpose: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(Upload).where(Upload.chat_id == chat_id, Upload.purpose == purpose))

    async def expire_idle(self, idle: timedelta) -> list[Expired]:
        """End dialogues untouched for ``idle`` and queue the notice saying so (same transaction); returns
        whom it told."""
        limit: datetime = self.clock() - idle
        async with self.db.transaction() as session:
            rows = (await session.execute(
                select(ChatState, User.language).join(User, User.id == ChatState.user_id)
                .where(ChatState.updated_at < limit))).all()
            expired = [Expired(state.chat_id, language, state.flow) for state, language in rows]
            for state, _ in rows:
                await self.outbox.add(session, IDLE_NOTICE, chat_id=state.chat_id,
                                      payload=IdleNotice(state.flow), user_id=state.user_id)
            if expired:
                ids = [e.chat_id for e in expired]
                await session.execute(delete(Upload).where(Upload.chat_id.in_(ids)))
                await session.execute(delete(ChatState).where(ChatState.chat_id.in_(ids)))
            return expired
