"""A member's settings for one company, read and changed in one place: notifications on or off, quiet
hours, due-date reminders and the month's summary (the ``inbox_prefs`` row), plus the user's language.

Features that act on these flags (the notifications, payment reminders, the month's summary) only read
the columns; the chat's settings screen changes them through this service.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.companies import CompanyService
from bot.services.errors import ServiceError
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, User
from bot.store.models_inbox import InboxPrefs

LANGUAGES = ("pl", "en")


@dataclass(frozen=True)
class QuietHours:
    """Quiet hours in minutes after midnight, Warsaw time (``start`` may be after ``end``: overnight)."""

    start: int
    end: int


# The choices offered as buttons: overnight ranges people actually pick. Typed ``/cisza 22:30-06:45``
# still sets any other range.
QUIET_PRESETS: dict[str, QuietHours] = {
    "22_7": QuietHours(22 * 60, 7 * 60),
    "21_8": QuietHours(21 * 60, 8 * 60),
    "23_6": QuietHours(23 * 60, 6 * 60),
    "20_8": QuietHours(20 * 60, 8 * 60),
}


@dataclass(frozen=True)
class CompanySettings:
    """What the settings screen shows for one company and member."""

    company_id: int
    nip: str
    language: str
    muted: bool = False
    quiet: QuietHours | None = None
    payment_reminders: bool = True
    month_summary: bool = True
    others: tuple[tuple[int, str], ...] = ()  # the user's other companies (id, NIP): their settings are apart


@dataclass(frozen=True)
class SettingsChange:
    """One change from the settings screen; fields left None stay as they are.

    Each carries the value wanted (not "toggle"), so a button pressed twice changes nothing the second
    time."""

    muted: bool | None = None
    quiet: QuietHours | None = None
    quiet_off: bool = False
    payment_reminders: bool | None = None
    month_summary: bool | None = None
    language: str | None = None


class SettingsService:
    """Read and change a member's settings of one company (membership checked on every call)."""

    def __init__(self, db: Database, companies: CompanyService) -> None:
        self.db, self.companies = db, companies

    async def get(self, user_id: int, company_id: int) -> CompanySettings:
        """The current settings (defaults when the member never changed any)."""
        async with self.db.transaction() as session:
            return await self._read(session, user_id, company_id)

    async def change(self, user_id: int, company_id: int, change: SettingsChange) -> CompanySettings:
        """Apply ``change`` in one transaction and return the settings as they are now."""
        if change.language is not None and change.language not in LANGUAGES:
            raise ServiceError("language_unknown")
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            prefs = await _prefs(session, company_id, user_id)
            if change.muted is not None:
                prefs.muted = change.muted
            if change.quiet_off:
                prefs.quiet_from, prefs.quiet_to = None, None
            elif change.quiet is not None:
                prefs.quiet_from, prefs.quiet_to = change.quiet.start, change.quiet.end
            if change.payment_reminders is not None:
                prefs.payment_reminders = change.payment_reminders
            if change.month_summary is not None:
                prefs.month_summary = change.month_summary
            await session.flush()
        if change.language is not None:
            # Through the companies service: it keeps the per-process cache of languages current.
            chat_id = await self._chat_id(user_id)
            await self.companies.set_language(user_id, chat_id, change.language)
        return await self.get(user_id, company_id)

    async def _chat_id(self, user_id: int) -> int:
        user = await self.companies.user(user_id)
        return user.chat_id if user is not None else user_id

    @staticmethod
    async def _read(session: AsyncSession, user_id: int, company_id: int) -> CompanySettings:
        await require_member(session, user_id, company_id)
        nip = (await session.execute(select(Company.nip).where(Company.id == company_id))).scalar_one()
        language = await session.scalar(select(User.language).where(User.id == user_id))
        prefs = (await session.execute(select(InboxPrefs).where(
            InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()
        others = tuple((other_id, other_nip) for other_id, other_nip in (await session.execute(
            select(Company.id, Company.nip).join(CompanyMember, CompanyMember.company_id == Company.id)
            .where(CompanyMember.user_id == user_id, Company.id != company_id).order_by(Company.id))).all())
        lang = language if language in LANGUAGES else "pl"
        if prefs is None:
            return CompanySettings(company_id, nip, lang, others=others)
        quiet = (QuietHours(prefs.quiet_from, prefs.quiet_to)
                 if prefs.quiet_from is not None and prefs.quiet_to is not None else None)
        return CompanySettings(company_id, nip, lang, muted=bool(prefs.muted), quiet=quiet,
                               payment_reminders=prefs.payment_reminders is not False,
                               month_summary=prefs.month_summary is not False, others=others)


async def _prefs(session: AsyncSession, company_id: int, user_id: int) -> InboxPrefs:
    """The member's row, created with the defaults on first change."""
    found = (await session.execute(select(InboxPrefs).where(
        InboxPrefs.company_id == company_id, InboxPrefs.user_id == user_id))).scalar_one_or_none()
    if found is None:
        found = InboxPrefs(company_id=company_id, user_id=user_id, muted=False, paused=False,
                           payment_reminders=True, month_summary=True)
        session.add(found)
        await session.flush()
    return found
