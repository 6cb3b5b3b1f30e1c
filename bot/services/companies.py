"""The user's companies: listing with token and certificate status, switching, removing, forgetting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import language_of
from bot.services.access import ensure_user, require_member
from bot.services.connect import token_aad
from bot.services.errors import ServiceError
from bot.services.ports import Clock, SecretBox
from bot.store.db import Database
from bot.store.models import Base, Certificate, Company, CompanyMember, Invitation, KsefToken, Reminder, User
from bot.store.models_inbox import ReceivedInvoice
from bot.store.models_issuing import IssuedInvoice


@dataclass(frozen=True)
class TokenView:
    status: str
    created_on: datetime | None
    valid_until: datetime | None
    checked_at: datetime


@dataclass(frozen=True)
class CertificateView:
    id: int
    name: str
    cert_type: str
    serial_hex: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class CompanyView:
    id: int
    nip: str
    environment: str
    role: str
    active: bool
    token: TokenView | None
    certificates: tuple[CertificateView, ...]


@dataclass(frozen=True)
class ActiveCompany:
    """The company a user works on (the one commands act on)."""

    id: int
    nip: str


@dataclass(frozen=True)
class UnfinishedInvoice:
    """An issued invoice that has not reached a final state in KSeF yet."""

    number: str
    state: str  # an ``InvoiceState`` value
    deadline: date | None  # an offline invoice's legal deadline for KSeF


@dataclass(frozen=True)
class Removal:
    """What removing one company (by its owner) deletes, or why it cannot be removed now."""

    company_id: int
    nip: str
    owner: bool  # False: the user only leaves the company (nothing is deleted)
    certificates: int
    received_invoices: int
    issued_invoices: int
    other_members: int  # people who lose their access with it
    unfinished: tuple[UnfinishedInvoice, ...]  # non-empty: the company cannot be removed now


class UnfinishedWork(Protocol):
    """The issued invoices of a company not yet final in KSeF (``bot.services.issuing.IssuedInvoices``).
    Given to :class:`CompanyService`, not imported: the issuing use cases build on this module."""

    async def unfinished(self, session: AsyncSession, company_id: int) -> tuple[UnfinishedInvoice, ...]:
        """Read in ``session``, the caller's transaction (the removal checks and deletes in one)."""
        ...


class UnfinishedInvoices(ServiceError):
    """Removing would delete issued invoices still on their way to KSeF (an offline one has a legal
    deadline to get there): refused until they are accepted or rejected."""

    def __init__(self, removals: list[Removal]) -> None:
        super().__init__("unfinished_invoices")
        self.removals = removals


@dataclass(frozen=True)
class UserView:
    id: int
    chat_id: int
    language: str
    active_company_id: int | None


_LANGUAGES_KEPT = 100_000  # users whose language is kept in memory (a few MB at most)


class CompanyService:
    """Read and change which companies a user works with."""

    def __init__(self, db: Database, vault: SecretBox, clock: Clock, *, invoices: UnfinishedWork) -> None:
        self.db, self.vault, self.clock = db, vault, clock
        self._invoices = invoices  # removing a company or /forget is refused while these exist
        # Every update asks for the user's language, so it is kept here instead of read each time. Only
        # set_language and forget change it, both below, and one gateway process serves the chat.
        self._languages: dict[int, str] = {}
        self._language_writes = 0

    async def user(self, user_id: int) -> UserView | None:
        async with self.db.transaction() as session:
            user = await session.get(User, user_id)
            if user is None:
                return None
            return UserView(user.id, user.chat_id, user.language, user.active_company_id)

    async def language(self, user_id: int) -> str:
        """The user's language: the one chosen with /language, else Polish (also for unknown users)."""
        known = self._languages.get(user_id)
        if known is not None:
            return known
        writes = self._language_writes
        async with self.db.transaction() as session:
            stored = await session.scalar(select(User.language).where(User.id == user_id))
        language = language_of(stored)
        if writes == self._language_writes:  # no change committed meanwhile: what was read is current
            if len(self._languages) >= _LANGUAGES_KEPT:
                self._languages.clear()
            self._languages[user_id] = language
        return language

    async def set_language(self, user_id: int, chat_id: int, language: str) -> None:
        if language not in ("pl", "en"):
            raise ServiceError("language_unknown")
        try:
            async with self.db.transaction() as session:
                user = await ensure_user(session, user_id, chat_id, language)
                user.language = language
        finally:
            self._forget_language(user_id)

    async def list(self, user_id: int) -> list[CompanyView]:
        """Every company the user belongs to, oldest first."""
        async with self.db.transaction() as session:
            user = await session.get(User, user_id)
            rows = (await session.execute(
                select(Company, CompanyMember.role)
                .join(CompanyMember, CompanyMember.company_id == Company.id)
                .where(CompanyMember.user_id == user_id).order_by(Company.id)
            )).all()
            views = []
            for company, role in rows:
                token = (await session.execute(
                    select(KsefToken).where(KsefToken.company_id == company.id))).scalar_one_or_none()
                certs = (await session.execute(
                    select(Certificate).where(Certificate.company_id == company.id)
                    .order_by(Certificate.not_after))).scalars().all()
                views.append(CompanyView(
                    company.id, company.nip, company.environment, role,
                    user is not None and user.active_company_id == company.id,
                    TokenView(token.status, token.created_on, token.valid_until, token.checked_at)
                    if token else None,
                    tuple(CertificateView(c.id, c.name, c.cert_type, c.serial_hex, c.not_before, c.not_after)
                          for c in certs),
                ))
            return views

    async def active_company(self, user_id: int) -> ActiveCompany | None:
        """The company the user works on: the chosen one if it still exists and the user is still its
        member, else the user's only company, else None (no company, or several and none chosen)."""
        async with self.db.transaction() as session:
            user = await session.get(User, user_id)
            rows = (await session.execute(
                select(Company.id, Company.nip).join(CompanyMember, CompanyMember.company_id == Company.id)
                .where(CompanyMember.user_id == user_id).order_by(Company.id))).all()
        chosen = user.active_company_id if user is not None else None
        for company_id, nip in rows:
            if company_id == chosen:
                return ActiveCompany(company_id, nip)
        return ActiveCompany(rows[0][0], rows[0][1]) if len(rows) == 1 else None

    async def require_active_company(self, user_id: int) -> ActiveCompany:
        """:meth:`active_company`, or ServiceError ``no_company`` (none) / ``choose_company`` (several,
        none chosen)."""
        found = await self.active_company(user_id)
        if found is not None:
            return found
        async with self.db.transaction() as session:
            memberships = await session.scalar(
                select(func.count()).select_from(CompanyMember).where(CompanyMember.user_id == user_id))
        raise ServiceError("choose_company" if memberships else "no_company")

    async def get(self, user_id: int, company_id: int) -> CompanyView:
        """One company of the user, or AccessDenied."""
        for view in await self.list(user_id):
            if view.id == company_id:
                return view
        raise ServiceError("access_denied")

    async def switch(self, user_id: int, company_id: int) -> CompanyView:
        """Make ``company_id`` the one the chat works on."""
        async with self.db.transaction() as session:
            await require_member(session, user_id, company_id)
            user = await session.get(User, user_id)
            assert user is not None  # a member always has a user row
            user.active_company_id = company_id
        return await self.get(user_id, company_id)

    async def removal(self, user_id: int, company_id: int) -> Removal:
        """What removing (owner) or leaving (member) the company would do; AccessDenied for others."""
        async with self.db.transaction() as session:
            member = await require_member(session, user_id, company_id)
            return await self._removal(session, company_id, owner=member.role == "owner")

    async def remove(self, user_id: int, company_id: int) -> str:
        """Owner: delete the company and all its secrets (refused with :class:`UnfinishedInvoices` while
        an issued invoice is on its way to KSeF). Member: leave it. Returns the NIP."""
        async with self.db.transaction() as session:
            member = await require_member(session, user_id, company_id)
            # Checked in the deleting transaction with the company row locked (PostgreSQL): an invoice
            # being stored meanwhile (its row references the company) is either seen here or refused.
            company = await session.get(Company, company_id, with_for_update=member.role == "owner")
            assert company is not None
            nip = company.nip
            if member.role == "owner":
                found = await self._removal(session, company_id, owner=True)
                if found.unfinished:
                    raise UnfinishedInvoices([found])
                await session.execute(delete(Company).where(Company.id == company_id))
            else:
                await session.execute(delete(CompanyMember).where(CompanyMember.id == member.id))
                await session.execute(delete(Reminder).where(
                    Reminder.user_id == user_id, Reminder.company_id == company_id))
                user = await session.get(User, user_id)
                if user is not None and user.active_company_id == company_id:
                    user.active_company_id = None
            return nip

    async def forget_plan(self, user_id: int) -> tuple[Removal, ...]:
        """What /forget deletes: each company the user owns (with what it holds)."""
        async with self.db.transaction() as session:
            return tuple([await self._removal(session, company_id, owner=True)
                          for company_id in await _owned(session, user_id)])

    async def remove_certificate(self, user_id: int, certificate_id: int) -> None:
        async with self.db.transaction() as session:
            cert = await session.get(Certificate, certificate_id)
            if cert is None:
                raise ServiceError("access_denied")
            await require_member(session, user_id, cert.company_id, owner=True)
            await session.execute(delete(Reminder).where(
                Reminder.subject == f"certificate:{cert.company_id}:{cert.serial_hex}"))
            await session.execute(delete(Certificate).where(Certificate.id == certificate_id))

    async def ksef_token(self, company_id: int) -> str | None:
        """The decrypted KSeF token of a company (for the KSeF client; never log it)."""
        async with self.db.transaction() as session:
            row = (await session.execute(
                select(KsefToken).where(KsefToken.company_id == company_id))).scalar_one_or_none()
            if row is None:
                return None
            return self.vault.decrypt(row.token_blob, aad=token_aad(company_id)).decode()

    async def forget(self, user_id: int) -> None:
        """Delete every row about the user: owned companies with their secrets, memberships, state.
        Refused with :class:`UnfinishedInvoices` while an owned company has invoices on their way to KSeF."""
        try:
            async with self.db.transaction() as session:
                owned = await _owned(session, user_id)
                found = []
                for company_id in owned:
                    await session.get(Company, company_id, with_for_update=True)  # as in :meth:`remove`
                    found.append(await self._removal(session, company_id, owner=True))
                blocked = [removal for removal in found if removal.unfinished]
                if blocked:
                    raise UnfinishedInvoices(blocked)
                await session.execute(delete(Company).where(Company.id.in_(owned)))
                await session.execute(delete(Invitation).where(Invitation.used_by == user_id))
                await session.execute(delete(KsefToken).where(KsefToken.added_by == user_id))
                await session.execute(delete(User).where(User.id == user_id))
        finally:
            self._forget_language(user_id)

    def _forget_language(self, user_id: int) -> None:
        """The user's language changed (or the user is gone): read it from the database next time."""
        self._language_writes += 1
        self._languages.pop(user_id, None)

    async def _removal(self, session: AsyncSession, company_id: int, *, owner: bool) -> Removal:
        company = await session.get(Company, company_id)
        assert company is not None

        async def count(table: type[Base], *where: ColumnElement[bool]) -> int:
            return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)

        return Removal(
            company_id, company.nip, owner,
            certificates=await count(Certificate, Certificate.company_id == company_id),
            received_invoices=await count(ReceivedInvoice, ReceivedInvoice.company_id == company_id),
            issued_invoices=await count(IssuedInvoice, IssuedInvoice.company_id == company_id),
            other_members=await count(CompanyMember, CompanyMember.company_id == company_id,
                                      CompanyMember.role != "owner"),
            unfinished=await self._invoices.unfinished(session, company_id))


async def _owned(session: AsyncSession, user_id: int) -> list[int]:
    return list((await session.execute(
        select(CompanyMember.company_id)
        .where(CompanyMember.user_id == user_id, CompanyMember.role == "owner")
        .order_by(CompanyMember.company_id))).scalars())

