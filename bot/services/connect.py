"""Connecting a company with a KSeF token: NIP check, real authentication, rights check, encrypted storage."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import ensure_user, membership
from bot.services.errors import ServiceError
from bot.services.ports import Clock, KsefGateway, SecretBox
from bot.services.reminders import schedule_reminder
from bot.services.token_dates import (
    DECEMBER_REMINDER,
    LAST_SWITCH_REMINDER,
    LIMITED_FROM,
    LIMITED_UNTIL,
    TOKENS_END,
    switch_reminder_dates,
    token_failure_code,
)
from bot.store.db import Database
from bot.store.models import Company, CompanyMember, KsefToken
from ksef import errors as kerr
from ksef.identifiers import nip_is_valid, normalize_nip
from ksef.timezone import WARSAW

REQUIRED_RIGHTS = ("InvoiceRead", "InvoiceWrite")
_TOKEN_DATE = re.compile(r"^(\d{8})-EC-")
_TOKEN_NIP = re.compile(r"\|nip-(\d{10})\|")
MAX_TOKEN_LENGTH = 500


def token_aad(company_id: int) -> bytes:
    """Associated data binding a token blob to its company row."""
    return f"ksef_tokens:{company_id}".encode()


def parse_nip(text: str) -> str:
    """A normalised NIP, or ServiceError ``nip_format`` / ``nip_checksum``."""
    nip = normalize_nip(text)
    if len(nip) != 10 or not nip.isdigit():
        raise ServiceError("nip_format")
    if not nip_is_valid(nip):
        raise ServiceError("nip_checksum")
    return nip


def clean_token(text: str) -> str:
    """The pasted token without surrounding blanks, or ServiceError ``token_format``."""
    token = text.strip()
    if not token or len(token) > MAX_TOKEN_LENGTH or any(ch.isspace() for ch in token):
        raise ServiceError("token_format")
    return token


def token_created_on(token: str) -> date | None:
    """The token's creation date from its reference-number prefix ``YYYYMMDD-EC-`` (None when absent)."""
    match = _TOKEN_DATE.match(token)
    if not match:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%d").date()
    except ValueError:
        return None


def token_context_nip(token: str) -> str | None:
    """The NIP a token names in its ``|nip-…|`` part (docs/ksef.md#authentication), if it does."""
    match = _TOKEN_NIP.search(token)
    return match.group(1) if match else None


def token_valid_until(created: date | None) -> datetime | None:
    """End of 2026 for tokens made from 1 Feb 2026; an unknown date is treated the same (safe reading)."""
    if created is None or created >= LIMITED_FROM:
        return LIMITED_UNTIL
    return None


@dataclass(frozen=True)
class Connected:
    """The outcome of a successful connection."""

    company_id: int
    nip: str
    environment: str
    created_on: date | None
    valid_until: datetime | None
    replaced: bool


class ConnectService:
    """Use case: the user gives a NIP and a KSeF token; the bot checks both for real and stores them."""

    def __init__(self, db: Database, vault: SecretBox, ksef: KsefGateway, environment: str,
                 clock: Clock) -> None:
        self.db, self.vault, self.ksef, self.environment, self.clock = db, vault, ksef, environment, clock

    async def check_nip_available(self, user_id: int, nip: str) -> None:
        """Refuse early when another user owns this NIP here (access comes only by invitation)."""
        async with self.db.transaction() as session:
            company = await self._company(session, nip)
            if company is not None:
                member = await membership(session, user_id, company.id)
                if member is None:
                    raise ServiceError("company_taken", nip=nip)
                if member.role != "owner":
                    raise ServiceError("not_owner", nip=nip)

    async def connect_token(self, user_id: int, chat_id: int, nip_text: str, token_text: str) -> Connected:
        """Authenticate with the token, check both rights, then store everything in one transaction."""
        nip = parse_nip(nip_text)
        token = clean_token(token_text)
        named = token_context_nip(token)
        if named is not None and named != nip:
            raise ServiceError("nip_mismatch", nip=nip)
        await self.check_nip_available(user_id, nip)
        await self._ask_ksef(nip, token)
        created = token_created_on(token)
        valid_until = token_valid_until(created)
        try:
            return await self._store(user_id, chat_id, nip, token, created, valid_until)
        except IntegrityError:  # another user connected the same NIP a moment ago
            raise ServiceError("company_taken", nip=nip) from None

    async def _store(self, user_id: int, chat_id: int, nip: str, token: str, created: date | None,
                     valid_until: datetime | None) -> Connected:
        now = self.clock()
        async with self.db.transaction() as session:
            user = await ensure_user(session, user_id, chat_id)
            company = await self._company(session, nip)
            if company is None:
                company = Company(nip=nip, environment=self.environment)
                session.add(company)
                await session.flush()
                session.add(CompanyMember(company_id=company.id, user_id=user_id, role="owner"))
            else:
                member = await membership(session, user_id, company.id)
                if member is None or member.role != "owner":  # lost a race with another user
                    raise ServiceError("company_taken", nip=nip)
            old = await session.execute(delete(KsefToken).where(KsefToken.company_id == company.id))
            replaced = bool(getattr(old, "rowcount", 0))
            session.add(KsefToken(
                company_id=company.id,
                token_blob=self.vault.encrypt(token.encode(), aad=token_aad(company.id)),
                reference_prefix=token.split("|", 1)[0][:40] if "|" in token else None,
                created_on=datetime(created.year, created.month, created.day, tzinfo=WARSAW)
                if created else None,
                valid_until=valid_until,
                permissions=sorted(REQUIRED_RIGHTS),
                status="active",
                checked_at=now,
                added_by=user_id,
            ))
            user.active_company_id = company.id
            if valid_until is not None:
                params = {"nip": nip, "valid_until": valid_until.isoformat()}
                # The connect message already says when the token ends: a notice already due (connecting
                # in December) would only repeat it at once. December connections keep the last
                # reminder just before the end.
                if now < DECEMBER_REMINDER:
                    await schedule_reminder(session, user_id=user_id, company_id=company.id,
                                            kind="token_expiry", subject=f"token:{company.id}",
                                            due_at=DECEMBER_REMINDER, params=params)
                elif now < LAST_SWITCH_REMINDER:
                    await schedule_reminder(session, user_id=user_id, company_id=company.id,
                                            kind="token_switch",
                                            subject=f"switch:{company.id}:{LAST_SWITCH_REMINDER:%Y-%m-%d}",
                                            due_at=LAST_SWITCH_REMINDER, params=params)
                for moment in switch_reminder_dates(now):
                    await schedule_reminder(session, user_id=user_id, company_id=company.id,
                                            kind="token_switch", due_at=moment,
                                            subject=f"switch:{company.id}:{moment:%Y-%m-%d}",
                                            params=params)
            return Connected(company.id, nip, self.environment, created, valid_until, replaced)

    async def _company(self, session: AsyncSession, nip: str) -> Company | None:
        result = await session.execute(
            select(Company).where(Company.nip == nip, Company.environment == self.environment)
        )
        return result.scalar_one_or_none()

    async def _ask_ksef(self, nip: str, token: str) -> None:
        try:
            info = await self.ksef.check_token(self.environment, nip, token, REQUIRED_RIGHTS)
        except kerr.MissingPermissionsError as exc:
            raise ServiceError("token_missing_rights", missing=sorted(exc.missing)) from None
        except kerr.TokenRevokedError:
            if self.clock() >= TOKENS_END:
                raise ServiceError("tokens_ended", nip=nip) from None
            raise ServiceError("token_revoked") from None
        except kerr.InvalidTokenError:
            raise ServiceError(token_failure_code(self.clock()), nip=nip) from None
        except kerr.AuthenticationFailedError as exc:
            if exc.status_code == 415:
                raise ServiceError("token_missing_rights", missing=[]) from None
            raise ServiceError("token_rejected", nip=nip) from None
        except kerr.AuthenticationError:
            raise ServiceError("token_rejected", nip=nip) from None
        except kerr.KsefValidationError:
            raise ServiceError("token_format") from None
        except kerr.RateLimitedError as exc:
            raise ServiceError("ksef_busy", seconds=int(exc.retry_after) + 1) from None
        except (kerr.KsefUnavailableError, kerr.KsefServerError):
            raise ServiceError("ksef_unavailable") from None
        except kerr.KsefApiError as exc:
            raise ServiceError("ksef_error", status=exc.http_status) from None
        missing = set(REQUIRED_RIGHTS) - set(info.permissions)
        if missing:  # a gateway that does not enforce ``required`` itself
            raise ServiceError("token_missing_rights", missing=sorted(missing))
