"""Use cases of the bot (no Telegram here): connecting companies, certificates, members, reminders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.certificates import CertificateService
from bot.services.companies import CompanyService
from bot.services.connect import ConnectService
from bot.services.dialogs import DialogService
from bot.services.members import MemberService
from bot.services.ports import Clock, KsefGateway, SecretBox, system_clock
from bot.services.reminders import ReminderService
from bot.store.db import Database


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

    @classmethod
    def build(cls, db: Database, vault: SecretBox, ksef: KsefGateway, environment: str,
              clock: Clock = system_clock) -> Services:
        return cls(
            db=db,
            connect=ConnectService(db, vault, ksef, environment, clock),
            companies=CompanyService(db, vault, clock),
            members=MemberService(db, clock),
            certificates=CertificateService(db, vault, clock),
            reminders=ReminderService(db, clock),
            dialogs=DialogService(db, vault, clock),
            clock=clock,
        )
