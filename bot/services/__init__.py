"""Use cases of the bot (no Telegram here), built once per process by :func:`open_services`.

Every service gets what it needs through its constructor, in :meth:`Services.build`; nothing is set on a
service afterwards. Where two services would need each other, the dependency goes one way and the other
direction is a value passed back (e.g. the availability monitor reports a recovery in its result, and the
job that ran it wakes the offline queue).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from bot.services.availability import AvailabilityService, CallTally, HttpStatusSource, StatusSource
from bot.services.buyers import BuyerDirectory
from bot.services.cert_login import CertLoginService
from bot.services.certificates import CertificateService
from bot.services.companies import CompanyService
from bot.services.connect import ConnectService
from bot.services.contractors import ContractorService
from bot.services.delivery import Delivery
from bot.services.dialogs import DialogService
from bot.services.enroll import EnrollService
from bot.services.inbox import InboxService
from bot.services.issuing import IssuingService, OfflineBacklog, OfflineQueue
from bot.services.issuing.offline import OfflineIssuer
from bot.services.issuing.rates import ExchangeRates
from bot.services.issuing.records import IssuedInvoices
from bot.services.ksef_clients import KsefClientOptions, KsefClients
from bot.services.members import MemberService
from bot.services.month import MonthService
from bot.services.month_package import PackageService
from bot.services.outbox import Outbox
from bot.services.pay_card import PayCards
from bot.services.payables import PayablesService
from bot.services.polling import Activity, PollPolicy
from bot.services.ports import (
    CertificateGateway,
    Clock,
    KsefClientGateway,
    KsefGateway,
    SecretBox,
    system_clock,
)
from bot.services.reminders import ReminderService
from bot.services.sales.corrections import CorrectionService
from bot.services.sales.overdue import OverdueService
from bot.services.sales.payments import PaymentService
from bot.services.sales.register import SalesRegister
from bot.services.seller_profile import SellerProfileService
from bot.services.settings import SettingsService
from bot.services.sync import SyncService
from bot.services.whitelist_store import DbRequestBudget, DbWhiteListCache
from bot.store.db import Database
from bot.store.locks import NamedLocks
from ksef.availability import AvailabilityConfig
from ksef.environments import resolve_environment
from ksef.nbp import NbpClient, nbp_url
from ksef.offline import today_in_poland
from ksef.whitelist import WhiteListClient, whitelist_url

if TYPE_CHECKING:
    from bot.config import Settings


class Role(StrEnum):
    """Which part of the work this process does."""

    SINGLE = "single"  # one process does everything (``ksef-bot run`` with KSEFBOT_JOBS=embedded)
    GATEWAY = "gateway"  # scale-out gateway: Telegram only; the workers poll and do KSeF's side of issuing
    WORKER = "worker"  # scale-out worker (``ksef-bot worker``)


@dataclass(frozen=True)
class ServiceOptions:
    """What differs between processes and roles; one frozen value per composition root."""

    environment: str  # KSEF_ENV: one process serves one KSeF environment
    role: Role = Role.SINGLE
    poll_interval: float = 900.0  # seconds between polls of one company
    availability: AvailabilityConfig | None = None  # damping/filtering of the monitor (default: per env)
    status_source: StatusSource | None = None  # where the monitor looks (default: Latarnia + a KSeF probe)
    ksef_clients: KsefClientOptions = field(default_factory=KsefClientOptions)
    public_api_timeout: float = 8.0  # seconds for NBP and MF's VAT taxpayer list to answer the chat


@dataclass(frozen=True)
class Backlog:
    """What waits, for the metrics: issued invoices waiting for KSeF, outbox messages not yet sent."""

    offline_queue: int
    outbox_pending: int


@dataclass(frozen=True)
class Services:
    """Everything the chat layer and the jobs call, built once by a composition root."""

    db: Database
    clock: Clock
    options: ServiceOptions
    connect: ConnectService
    companies: CompanyService
    members: MemberService
    certificates: CertificateService
    cert_login: CertLoginService
    enroll: EnrollService
    reminders: ReminderService
    dialogs: DialogService
    outbox: Outbox
    delivery: Delivery
    inbox: InboxService
    sync: SyncService
    availability: AvailabilityService
    profiles: SellerProfileService
    contractors: ContractorService
    ksef_clients: KsefClients
    issuing: IssuingService
    offline_backlog: OfflineBacklog
    offline: OfflineQueue
    rates: ExchangeRates  # NBP rates fixed into foreign-currency drafts
    buyers: BuyerDirectory  # buyers looked up by NIP on MF's VAT taxpayer list
    sales: SalesRegister
    payments: PaymentService
    corrections: CorrectionService
    overdue: OverdueService
    payables: PayablesService  # supplier invoices to pay: paid state, list, due-date reminders
    month: MonthService  # the month's figures, chart series, automatic summary (docs/month.md)
    month_package: PackageService  # the accountant's ZIP of a month
    settings: SettingsService  # the settings screen: notifications, quiet hours, reminders, language
    pay_cards: PayCards  # the payment card of a supplier invoice, its VAT-list check and "Zapłać wszystkie"

    @classmethod
    def build(cls, db: Database, vault: SecretBox, options: ServiceOptions, *,
              ksef: KsefGateway | None = None, clock: Clock = system_clock) -> Services:
        """Every service, each through its constructor, in dependency order."""
        environment = options.environment
        env = resolve_environment(environment)
        token_gateway = ksef or KsefClientGateway()
        # Certificate logins: the given gateway when it can do them, else the real client.
        cert_gateway: CertificateGateway = (token_gateway if isinstance(token_gateway, KsefClientGateway)
                                            else KsefClientGateway())
        outbox = Outbox(db, clock)
        records = IssuedInvoices(db, clock)
        companies = CompanyService(db, vault, clock, invoices=records)
        connect = ConnectService(db, vault, token_gateway, environment, clock)
        certificates = CertificateService(db, vault, clock)
        cert_login = CertLoginService(db, vault, cert_gateway, environment, clock, connect, certificates)
        # A polled company's client outlives the time between its polls, a dormant company's too (its
        # login is reused).
        longest = PollPolicy(options.poll_interval).interval(Activity.DORMANT)
        client_options = replace(options.ksef_clients, idle_client=max(
            options.ksef_clients.idle_client, timedelta(seconds=2 * longest)))
        ksef_clients = KsefClients(cert_login.credentials, environment, client_options)
        inbox = InboxService(db, clock, outbox)
        offline_backlog = OfflineBacklog(db)
        # Real calls (polls, sends) are evidence of availability: counted here, read once per round.
        calls = CallTally()
        availability = AvailabilityService(db, environment, clock,
                                           source=options.status_source or HttpStatusSource(env),
                                           config=options.availability, queued=offline_backlog, outbox=outbox,
                                           calls=calls)
        profiles = SellerProfileService(db, clock, outbox)
        contractors = ContractorService(db, clock)
        corrections = CorrectionService(db, profiles, clock)
        issuing = IssuingService(
            db, companies=companies, profiles=profiles, contractors=contractors,
            offline=OfflineIssuer(records, certificates, env, clock), records=records, clients=ksef_clients,
            availability=availability, env=env, clock=clock, outbox=outbox,
            locks=NamedLocks(db) if options.role is not Role.SINGLE else None,
            advance_here=options.role is not Role.GATEWAY, release_held=corrections.release, calls=calls)
        def today() -> date:
            return today_in_poland(clock())

        timeout = options.public_api_timeout
        # MF's list limits requests per IP and day: the answers and the count live in the database,
        # shared by every process of the deployment and kept over restarts.
        white_list = WhiteListClient(whitelist_url(environment), timeout=timeout, cache=DbWhiteListCache(db),
                                     budget=DbRequestBudget(db), today=today)
        sync = SyncService(db, inbox, clock, sources=ksef_clients.for_login, logins=cert_login.credentials,
                           interval=options.poll_interval, limits=ksef_clients.limits,
                           pending=ksef_clients.seconds_until_allowed, calls=calls,
                           login_lifetime=client_options.login_lifetime)
        month = MonthService(db, clock, outbox)
        return cls(
            db=db, clock=clock, options=options, connect=connect, companies=companies,
            members=MemberService(db, clock), certificates=certificates, cert_login=cert_login,
            enroll=EnrollService(db, cert_gateway, environment, clock, cert_login, certificates),
            reminders=ReminderService(db, clock, outbox), dialogs=DialogService(db, vault, clock, outbox),
            outbox=outbox, delivery=Delivery(outbox), inbox=inbox,
            sync=sync,
            availability=availability, profiles=profiles,
            contractors=contractors, ksef_clients=ksef_clients, issuing=issuing,
            offline_backlog=offline_backlog, offline=OfflineQueue(issuing.process_pending),
            rates=ExchangeRates(NbpClient(nbp_url(environment), timeout=timeout, today=today)),
            buyers=BuyerDirectory(white_list),
            sales=SalesRegister(db), payments=PaymentService(db, clock), corrections=corrections,
            overdue=OverdueService(db, clock, outbox),
            payables=PayablesService(db, clock, outbox),
            month=month, month_package=PackageService(month, sync.fetch_xml, issuing.upo),
            settings=SettingsService(db, companies),
            pay_cards=PayCards(db, clock, white_list, ksef_clients),
        )

    async def backlog(self) -> Backlog:
        """The sizes the metrics report (two COUNT queries)."""
        return Backlog(await self.offline_backlog.total(), await self.outbox.pending_count())

    async def aclose(self) -> None:
        """Close the KSeF, NBP and white-list clients and the database pool."""
        await self.ksef_clients.aclose()
        await self.rates.aclose()
        await self.buyers.aclose()
        await self.db.dispose()


async def open_services(settings: Settings, options: ServiceOptions, *, ksef: KsefGateway | None = None,
                        clock: Clock = system_clock, schema: str | None = None) -> Services:
    """Database (migrated), vault and services: what every process (gateway, worker) starts with."""
    from bot.services.keys import open_vault

    db = Database.from_url(settings.database_url, schema=schema)
    try:
        await db.migrate()
        vault = await open_vault(settings, db)  # refuses a master key the stored secrets are not under
    except BaseException:
        await db.dispose()
        raise
    return Services.build(db, vault, options, ksef=ksef, clock=clock)
