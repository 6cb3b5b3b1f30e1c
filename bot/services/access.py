"""Shared checks: who is a member of which company, and making sure a user row exists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import AccessDenied
from bot.store.models import CompanyMember, User


async def ensure_user(session: AsyncSession, user_id: int, chat_id: int, language: str = "pl") -> User:
    """The user's row, created on first contact."""
    user = await session.get(User, user_id)
    if user is None:
        user = User(id=user_id, chat_id=chat_id, language=language)
        session.add(user)
        await session.flush()
    elif user.chat_id != chat_id:
        user.chat_id = chat_id
    return user


async def membership(session: AsyncSession, user_id: int, company_id: int) -> CompanyMember | None:
    """The user's membership of the company, if any."""
    result = await session.execute(
        select(CompanyMember).where(CompanyMember.user_id == user_id, CompanyMember.company_id == company_id)
    )
    return result.scalar_one_or_none()


async def require_member(session: AsyncSession, user_id: int, company_id: int, *,
                         owner: bool = False) -> CompanyMember:
    """The membership, or :class:`AccessDenied` (also when ``owner`` is asked and the user is a member)."""
    member = await membership(session, user_id, company_id)
    if member is None or (owner and member.role != "owner"):
        raise AccessDenied()
    return member
