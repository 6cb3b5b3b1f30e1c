"""Sharing a company: one-time invitation links (``/start inv_<code>``), listing and removing members."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from bot.services.access import ensure_user, membership, require_member
from bot.services.errors import ServiceError
from bot.services.ports import Clock
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, Invitation, Reminder, User

INVITATION_PREFIX = "inv_"
INVITATION_TTL = timedelta(days=7)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class MemberView:
    user_id: int
    role: str


@dataclass(frozen=True)
class Joined:
    company_id: int
    nip: str


class MemberService:
    """Owners invite and remove; invited users join by the link."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def invite(self, owner_id: int, company_id: int) -> str:
        """A new deep-link payload ``inv_<code>`` valid for 7 days and for one use (only its hash is kept)."""
        code = secrets.token_urlsafe(18)
        async with self.db.transaction() as session:
            await require_member(session, owner_id, company_id, owner=True)
            session.add(Invitation(code_hash=_hash(code), company_id=company_id, created_by=owner_id,
                                   expires_at=self.clock() + INVITATION_TTL))
        return INVITATION_PREFIX + code

    async def accept(self, user_id: int, chat_id: int, payload: str) -> Joined:
        """Join the company of the invitation; errors ``invitation_invalid|expired|used``."""
        code = payload.removeprefix(INVITATION_PREFIX)
        async with self.db.transaction() as session:
            # Row-locked: two people opening one link at the same moment are served one after the other,
            # and the second finds it used (without the lock both read it unused and both joined).
            invitation = (await session.execute(
                select(Invitation).where(Invitation.code_hash == _hash(code)).with_for_update()
            )).scalar_one_or_none()
            if invitation is None:
                raise ServiceError("invitation_invalid")
            company = await session.get(Company, invitation.company_id)
            assert company is not None  # invitations cascade with their company
            user = await ensure_user(session, user_id, chat_id)
            if await membership(session, user_id, company.id) is not None:
                user.active_company_id = company.id
                return Joined(company.id, company.nip)
            if invitation.used_at is not None:
                raise ServiceError("invitation_used")
            if invitation.expires_at <= self.clock():
                raise ServiceError("invitation_expired")
            invitation.used_at, invitation.used_by = self.clock(), user_id
            session.add(CompanyMember(company_id=company.id, user_id=user_id, role="member"))
            user.active_company_id = company.id
            return Joined(company.id, company.nip)

    async def list(self, owner_id: int, company_id: int) -> list[MemberView]:
        async with self.db.transaction() as session:
            await require_member(session, owner_id, company_id, owner=True)
            rows = (await session.execute(select(CompanyMember).where(
                CompanyMember.company_id == company_id).order_by(CompanyMember.id))).scalars().all()
            return [MemberView(m.user_id, m.role) for m in rows]

    async def remove(self, owner_id: int, company_id: int, member_id: int) -> None:
        """Take a member's access away (an owner cannot remove himself here: that is removing the company)."""
        async with self.db.transaction() as session:
            await require_member(session, owner_id, company_id, owner=True)
            target = await membership(session, member_id, company_id)
            if target is None or target.role == "owner":
                raise ServiceError("member_unknown")
            await session.execute(delete(CompanyMember).where(CompanyMember.id == target.id))
            await session.execute(delete(Reminder).where(
                Reminder.user_id == member_id, Reminder.company_id == company_id))
            user = await session.get(User, member_id)
            if user is not None and user.active_company_id == company_id:
                user.active_company_id = None
