"""Use cases of the bot (no Telegram here): connecting companies, certificates, members, reminders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services.availability import AvailabilityService, HttpStatusSource
from bot.services.broadcast import BroadcastService
from bot.services.cert_login import CertLoginService
from bot.services.certificates import CertificateService
from bot.services.companies import CompanyService
from bot.services.connect import ConnectService
from bot.services.contractors import ContractorService
from bot.services.dialogs import DialogService
from bot.services.enroll import EnrollService
from bot.services.inbox import InboxService
from bot.services.issuing import IssuingService
from bot.services.members import MemberService
from bot.services.notify import NotifyService
from bot.services.ports import (
    CertificateGateway,
    Clock,
    KsefClientGateway,
    KsefGateway,
    SecretBox,
    system_clock,
)
from bot.services.reminders import ReminderService
from bot.services.seller_profile import SellerProfileService
from bot.services.sync import SyncService
from bot.store.db import Database
from ksef.environments import resolve_environment

if TYPE_CHECKING:
    from bot.config import Settings


@dataclass
class Services:
    """Everything the chat layer calls, built once by the composition root."""

    db: Database
    connect: ConnectService
    companies: CompanyService
    members: MemberService
    certificates: CertificateService
    reminders: ReminderService
    dialogs: DialogService
    clock: Clock
    inbox: InboxService
    notify: NotifyService
    sync: SyncService
    availability: AvailabilityService
    broadcast: BroadcastService
    profiles: SellerProfileService
    contractors: ContractorService
    issuing: IssuingService
    cert_login: CertLoginService  # issue 8: Authentication certificate login
    enroll: EnrollService  # issue 8: one-tap Offline certificate

    @classmethod
    def build(cls, db: Database, vault: SecretBox, ksef: KsefGateway, environment: str,
              clock: Clock = system_clock) -> Services:
        inbox = InboxService(db, clock)
        # Certificate logins: the given gateway when it can do them, else the real client (issue 8).
        cert_gateway: CertificateGateway = (ksef if isinstance(ksef, KsefClientGateway)
                                            else KsefClientGateway())
        connect = ConnectService(db, vault, ksef, environment, clock)
        certificates = CertificateService(db, vault, clock)
        cert_login = CertLoginService(db, vault, cert_gateway, environment, clock, connect, certificates)
        issuing = IssuingService.create(db, vault, environment, clock)
        issuing.logins = cert_login.credentials  # certificate login when the company has one
        return cls(
            db=db,
            connect=connect,
            companies=CompanyService(db, vault, clock),
            members=MemberService(db, clock),
            certificates=certificates,
            cert_login=cert_login,
            enroll=EnrollService(db, cert_gateway, environment, clock, cert_login, certificates),
            reminders=ReminderService(db, clock),
            dialogs=DialogService(db, vault, clock),
            clock=clock,
            profiles=SellerProfileService(db, clock),
            contractors=ContractorService(db, clock),
            issuing=issuing,
            inbox=inbox,
            notify=NotifyService(inbox),
            sync=SyncService(db, vault, inbox, clock, logins=cert_login.credentials),
            availability=AvailabilityService(db, environment, clock,
                                             source=HttpStatusSource(resolve_environment(environment))),
            broadcast=BroadcastService(db, clock),
        )


async def open_services(settings: Settings, *, ksef: KsefGateway | None = None, clock: Clock = system_clock,
                        schema: str | None = None) -> Services:
    """Database (migrated), vault and services: the part every process (gateway, worker) shares."""
    from bot.services.keys import open_vault

    db = Database.from_url(settings.database_url, schema=schema)
    try:
        await db.migrate()
        vault = await open_vault(settings, db)  # refuses a master key the stored secrets are not under
    except BaseException:
        await db.dispose()
        raise
    return Services.build(db, vault, ksef or KsefClientGateway(), settings.ksef_env, clock)
