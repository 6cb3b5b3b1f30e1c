"""Issuing without KSeF: the offline modes' deadlines, KOD II signed with the company's Offline
certificate, the technical correction of a rejected offline invoice, and the offline queue (what waits
for KSeF, and uploading it at once when the availability monitor sees KSeF back).

Deadlines are the conservative (holiday-blind, earlier) reading of :mod:`ksef.offline`; uploading is the
same background step that reconciles after a restart (:meth:`IssuingService.advance`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.services.certificates import CertificateService
from bot.services.errors import ServiceError
from bot.services.issuing.draft import invoice_of
from bot.services.issuing.records import ONLINE, IssuedInvoices, IssuedView
from bot.services.issuing.state import QUEUED, InvoiceState
from bot.services.ports import Clock
from bot.services.seller_profile import ProfileView
from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice
from ksef.availability import AvailabilityState
from ksef.certs import load_checked_key
from ksef.crypto import sha256_b64
from ksef.environments import Environment
from ksef.errors import KsefError
from ksef.fa3 import build, parse
from ksef.offline import OfflineMode, SendDeadlines, is_working_day, send_deadlines, today_in_poland
from ksef.pdf import OfflineQr, verification_codes


def previous_working_day(day: date) -> date:
    """The working day before ``day`` (weekends and holidays skipped): when the deadline warning goes."""
    current = day - timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current


def warning_due(deadline: date | None, today: date) -> bool:
    """True from the working day before the deadline on (an invoice still not in KSeF by then)."""
    return deadline is not None and today >= previous_working_day(deadline)


def deadlines_of(mode: OfflineMode, issue_date: date, announced: AvailabilityState | None,
                 today: date) -> SendDeadlines:
    """Deadlines of an offline invoice; while an announced window has no end yet, it is taken to end
    today (the earliest possible end, so the deadline is never later than the legal one)."""
    end = announced.window_end if announced is not None else None
    end_day = today_in_poland(end) if end is not None else today
    failure_end = announced.last_failure_end if announced is not None else None
    failure_day = today_in_poland(failure_end) if failure_end is not None else today
    if mode is OfflineMode.OFFLINE:
        return send_deadlines(mode, issue_date, unavailability_end=end_day)
    if mode is OfflineMode.AWARYJNY:
        return send_deadlines(mode, issue_date, failure_ends=[failure_day])
    return send_deadlines(mode, issue_date)


class OfflineIssuer:
    """Turns a stored invoice into an offline one (or a kept / waiting one) and corrects rejected ones."""

    def __init__(self, records: IssuedInvoices, certificates: CertificateService, env: Environment,
                 clock: Clock) -> None:
        self.records, self.certificates, self.env, self.clock = records, certificates, env, clock

    async def go_offline(self, invoice_id: int, mode: OfflineMode,
                         announced: AvailabilityState | None = None) -> IssuedView:
        """Issue the stored invoice offline: KOD II signed with the company's Offline certificate."""
        view = await self.records.get(invoice_id)
        if mode is OfflineMode.TOTAL_FAILURE:
            # Total failure announced: no sending obligation and no codes; the invoice is kept as issued.
            return await self.records.update(invoice_id, state=InvoiceState.KEPT, mode=mode.value)
        material = await self.certificates.signing_material(view.company_id)
        if material is None:
            # Not issued offline without KOD II; kept and sent online as soon as KSeF answers.
            return await self.records.update(invoice_id, state=InvoiceState.WAITING)
        # Our own stored key, checked when it was added: RSA's per-load check (tens of ms) is skipped.
        try:
            key = load_checked_key(material.key_der)
        except KsefError:
            raise ServiceError("cert_invalid") from None
        xml = await self.records.xml(invoice_id)
        signer = OfflineQr(material.serial_hex, key)
        _, kod2 = verification_codes(xml, parse(xml), env=self.env, offline=signer)
        assert kod2 is not None  # asked for with an offline certificate
        deadlines = deadlines_of(mode, view.issue_date, announced, today_in_poland(self.clock()))
        # A new deadline deserves its own warning (the one of the online deadline may have gone already).
        warned = {} if deadlines.conservative == view.deadline else {"warned_at": None}
        return await self.records.update(invoice_id, state=InvoiceState.OFFLINE, mode=mode.value,
                                         kod2_url=kod2.url, deadline=deadlines.conservative,
                                         legal_deadline=deadlines.legal, **warned)

    async def correct(self, view: IssuedView, profile: ProfileView) -> bool:
        """Technical correction of an offline invoice KSeF rejected for technical reasons: the same
        invoice regenerated and sent once more with ``hashOfCorrectedInvoice`` (the KSeF 2.0 offline
        rules: https://github.com/CIRFMF/ksef-docs). Only one try; False when it does not apply."""
        if view.mode == ONLINE or view.corrected_hash is not None:
            return False
        draft = await self.records.draft(view.id)
        try:
            xml = build(invoice_of(profile, draft, view.number, view.issue_date), created_at=self.clock())
        except (KsefError, ServiceError):
            return False
        await self.records.update(view.id, xml=xml, invoice_hash=sha256_b64(xml),
                                  corrected_hash=view.invoice_hash, state=InvoiceState.OFFLINE,
                                  session_reference=None, invoice_reference=None)
        await self.go_offline(view.id, OfflineMode(view.mode))  # a new KOD II for the new bytes
        return True


class OfflineBacklog:
    """How many issued invoices wait for KSeF (the availability monitor's recovery message, metrics)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def queued_counts(self, user_ids: Sequence[int]) -> dict[int, int]:
        """Offline invoices waiting for KSeF, per issuing user (users without any are left out)."""
        async with self.db.transaction() as session:
            rows = (await session.execute(
                select(IssuedInvoice.user_id, func.count()).where(
                    IssuedInvoice.state.in_(QUEUED), IssuedInvoice.user_id.in_(list(user_ids)))
                .group_by(IssuedInvoice.user_id))).all()
            return {int(user): int(count) for user, count in rows}

    async def total(self) -> int:
        """Every invoice waiting for KSeF."""
        async with self.db.transaction() as session:
            found = await session.scalar(select(func.count()).select_from(IssuedInvoice)
                                         .where(IssuedInvoice.state.in_(QUEUED)))
            return int(found or 0)


class OfflineQueue:
    """Uploads the queue at once when KSeF is back (``wake``, called after the availability monitor saw
    a recovery); what that finds for the users is queued in the outbox by ``process_pending`` itself."""

    def __init__(self, process_pending: Callable[[], Awaitable[object]]) -> None:
        self._process_pending = process_pending

    async def wake(self) -> None:
        """KSeF is back: upload now instead of at the next tick."""
        await self._process_pending()
