"""Corrective invoices (faktury korygujące) of issued invoices, made by chat (no Telegram here).

The library (``ksef.fa3.correction``, ``docs/corrections.md``) lays the correction out; this module
finds what it starts from, checks the user's edits, numbers it in its own series and stores it as any
issued document, so that the issuing lifecycle sends it (online or offline, with its printout):

* what a correction starts from is the invoice as it stands: the stored XML of the invoice and of every
  correction of it not rejected, oldest first (:func:`ksef.fa3.correction.invoice_state`); it names the
  newest of them (a correction of a correction names the correction);
* one correction at a time per invoice: a new one is refused while the previous is still on its way;
* the preview the user confirms has a version (a hash of what it shows and what it starts from); a
  Confirm of another version is refused with the current preview;
* a correction of an invoice that waits for its KSeF number (offline) is stored ``held`` with its
  number and spec, and built and sent once the number is there (:meth:`CorrectionService.release`);
* a wrong buyer NIP is corrected to zero and a new invoice to the right NIP is issued with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import require_member
from bot.services.errors import ServiceError
from bot.services.issuing.columns import RegisterColumns
from bot.services.issuing.draft import Draft, DraftBuyer, DraftLine
from bot.services.issuing.records import ONLINE, IssuedView, view_of
from bot.services.issuing.state import InvoiceState as DocState
from bot.services.numbering import next_number
from bot.services.ports import Clock
from bot.services.sales.spec import CorrectionMode, CorrectionSpec
from bot.services.seller_profile import ProfileView, SellerProfileService
from bot.store.db import Database
from bot.store.models_issuing import IssuedInvoice
from ksef.crypto import sha256_b64
from ksef.errors import CorrectionError, InvoiceDataError, KsefError
from ksef.fa3 import Buyer, Invoice, Payment, PaymentMethod, build
from ksef.fa3.correction import (
    CorrectedInvoice,
    Correction,
    InvoiceState,
    build_correction,
    cancel_to_zero,
    correct_buyer_nip,
    correction_from_edit,
    invoice_state,
)
from ksef.offline import OfflineMode, send_deadlines, today_in_poland

PREVIEW_NUMBER = "PODGLĄD"
_PLACEHOLDER_REASON = "-"  # while the reason is not asked yet, the edits are checked with this one
# A correction can start from these; others are still being sent, or were never issued in KSeF.
_ISSUED = (DocState.ACCEPTED, DocState.OFFLINE, DocState.WAITING, DocState.KEPT)
_ON_ITS_WAY = (DocState.HELD, DocState.PREPARED, DocState.SENDING, DocState.PROCESSING)


def correction_reset(pattern: str) -> str:
    """A correction series restarts monthly when its pattern shows the month, else yearly."""
    return "monthly" if "{MM}" in pattern else "yearly"


@dataclass(frozen=True)
class CorrectionTarget:
    """What a correction starts from: the invoice (``root``), the newest document of its chain
    (``head``, the one the correction names) and the invoice's content as it now stands."""

    root: IssuedView
    head: IssuedView
    chain: tuple[int, ...]  # ids, the invoice first, then its corrections in order
    state: InvoiceState
    corrected: CorrectedInvoice

    @property
    def waits(self) -> bool:
        """The head has no KSeF number yet: a correction of it is held until it has."""
        return not self.corrected.ready


@dataclass(frozen=True)
class CorrectionPreview:
    """The correction as it will be issued (number aside), for the user to confirm ``version``."""

    target: CorrectionTarget
    correction: Correction
    replacement: Invoice | None  # a wrong NIP: the new invoice to the right buyer
    version: str
    pattern: str  # the series the correction's number comes from


@dataclass(frozen=True)
class PreparedCorrection:
    """The stored correction (``held`` when it waits) and, for a wrong NIP, the new invoice."""

    correction: IssuedView
    replacement: IssuedView | None


class StalePreview(ServiceError):
    """The confirmed preview is not the current one; ``current`` is (None: it cannot be made any more)."""

    def __init__(self, current: CorrectionPreview | None) -> None:
        super().__init__("preview_stale")
        self.current = current


def _library_error(exc: Exception) -> ServiceError:
    message = exc.message if isinstance(exc, InvoiceDataError) else str(exc)
    return ServiceError("invoice_data", user_message=message)


def _version(target: CorrectionTarget, spec: CorrectionSpec) -> str:
    shown = {"chain": list(target.chain), "head": target.head.invoice_hash, "spec": spec.to_json()}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()[:12]


def _payment(profile: ProfileView, gross_due: bool) -> Payment | None:
    """Terms for a correction the buyer pays more after (transfer to the seller's account)."""
    if not gross_due or not profile.bank_account:
        return None
    return Payment(method=PaymentMethod.TRANSFER, bank_account=profile.bank_account,
                   due_days=profile.payment_days)


def make_correction(target: CorrectionTarget, spec: CorrectionSpec, *, number: str, issue_date: date,
                    profile: ProfileView, replacement_number: str = PREVIEW_NUMBER
                    ) -> tuple[Correction, Invoice | None]:
    """The correction ``spec`` asks for (and the new invoice for a wrong NIP); ServiceError with the
    library's Polish text when it cannot be made (nothing changes, a quantity below zero…)."""
    reason = spec.reason or _PLACEHOLDER_REASON
    corrected = target.corrected
    state = target.state
    if not state.lines:
        raise ServiceError("already_zero")
    try:
        if spec.mode is CorrectionMode.ZERO:
            return cancel_to_zero(state, number=number, issue_date=issue_date, corrected=corrected,
                                  reason=reason), None
        if spec.mode is CorrectionMode.NIP:
            assert spec.buyer_nip is not None
            buyer = Buyer(name=state.buyer.name, nip=spec.buyer_nip, address=state.buyer.address,
                          country=state.buyer.country)
            fixed = correct_buyer_nip(state, buyer, number=number, issue_date=issue_date, corrected=corrected,
                                      reason=reason, replacement_number=replacement_number,
                                      replacement_issue_date=issue_date,
                                      replacement_payment=_payment(profile, True))
            return fixed.correction, fixed.replacement
        if spec.empty:
            raise ServiceError("correction_empty")
        try:
            edited = spec.edited(state)
        except KeyError:
            raise ServiceError("correction_line_unknown") from None
        correction = correction_from_edit(state, edited, number=number, issue_date=issue_date,
                                          corrected=corrected, reason=reason)
        if correction.gross > 0:
            correction = replace(correction, payment=_payment(profile, True))
        return correction, None
    except (CorrectionError, InvoiceDataError) as exc:
        raise _library_error(exc) from None


class CorrectionService:
    """Start, preview, confirm (store) and, for held ones, build corrections."""

    def __init__(self, db: Database, profiles: SellerProfileService, clock: Clock) -> None:
        self.db, self.profiles, self.clock = db, profiles, clock

    def today(self) -> date:
        return today_in_poland(self.clock())

    async def _profile(self, company_id: int) -> ProfileView:
        found = await self.profiles.get(company_id)
        if found is None:
            raise ServiceError("no_profile")
        return found

    # --- what a correction starts from ---------------------------------------------------------------
    async def target(self, user_id: int, invoice_id: int) -> CorrectionTarget:
        """The invoice ``invoice_id`` belongs to (it may be a correction), checked for a new correction."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None:
                raise ServiceError("invoice_unknown")
            await require_member(session, user_id, row.company_id)
            return await self._target(session, row.original_id or row.id)

    async def _chain(self, session: AsyncSession, root_id: int) -> list[IssuedInvoice]:
        rows = (await session.execute(select(IssuedInvoice).where(
            or_(IssuedInvoice.id == root_id, IssuedInvoice.original_id == root_id))
            .order_by(IssuedInvoice.id))).scalars()
        return list(rows)

    async def _target(self, session: AsyncSession, root_id: int, *,
                      upto: int | None = None) -> CorrectionTarget:
        chain = await self._chain(session, root_id)
        root = chain[0]
        if DocState(root.state) is DocState.REJECTED:
            raise ServiceError("correct_rejected")
        if DocState(root.state) not in _ISSUED:
            raise ServiceError("correct_not_sent")
        docs = [root]
        for row in chain[1:]:
            if upto is not None and row.id > upto:
                break
            where = DocState(row.state)
            if where is DocState.REJECTED:
                continue  # never issued: not part of the invoice's history
            if upto is None and where in _ON_ITS_WAY:
                raise ServiceError("correction_in_progress", number=row.number)
            docs.append(row)
        try:
            state = invoice_state(root.xml, *[d.xml for d in docs[1:]])
        except CorrectionError as exc:
            raise _library_error(exc) from None
        head = docs[-1]
        outside = DocState(head.state) is DocState.KEPT and head.ksef_number is None
        # UNCONFIRMED: an invoice kept during an announced total failure need never be sent to KSeF, so a
        # correction names it as issued outside KSeF (NrKSeFN) rather than waiting for a number forever.
        corrected = CorrectedInvoice(head.number, head.issue_date, head.ksef_number, outside_ksef=outside)
        return CorrectionTarget(view_of(root), view_of(head), tuple(d.id for d in docs), state, corrected)

    # --- preview and confirm -------------------------------------------------------------------------
    async def preview(self, user_id: int, spec: CorrectionSpec) -> CorrectionPreview:
        """The correction ``spec`` asks for, checked by the library, with its version."""
        target = await self.target(user_id, spec.corrects_id)
        if target.head.id != spec.corrects_id:
            raise StalePreview(None)  # corrected again meanwhile: the edits were about another state
        profile = await self._profile(target.root.company_id)
        correction, replacement = make_correction(target, spec, number=PREVIEW_NUMBER,
                                                  issue_date=self.today(), profile=profile)
        return CorrectionPreview(target, correction, replacement, _version(target, spec),
                                 profile.correction_pattern)

    async def prepare(self, user_id: int, chat_id: int, spec: CorrectionSpec, version: str,
                      language: str = "pl") -> PreparedCorrection:
        """Store the confirmed correction (number from its series, exact XML) — ``held`` when the
        corrected document has no KSeF number yet — and for a wrong NIP the new invoice too."""
        if not spec.reason:
            raise ServiceError("correction_no_reason")
        try:
            current = await self.preview(user_id, spec)
        except StalePreview:
            raise
        except ServiceError:
            raise StalePreview(None) from None
        if current.version != version:
            raise StalePreview(current)
        target = current.target
        company_id = target.root.company_id
        profile = await self._profile(company_id)
        today = self.today()
        async with self.db.transaction() as session:
            # Taking the invoice's row first serialises two confirmations of corrections of the same
            # invoice (a row lock on PostgreSQL, the write lock on SQLite); the second then sees the first.
            await session.execute(update(IssuedInvoice).where(IssuedInvoice.id == target.root.id)
                                  .values(updated_at=self.clock()))
            await require_member(session, user_id, company_id)
            fresh = await self._target(session, target.root.id)
            if fresh.chain != target.chain:
                raise StalePreview(None)
            pattern = profile.correction_pattern
            number = await next_number(session, company_id, pattern, correction_reset(pattern), today)
            replacement_number = PREVIEW_NUMBER
            if spec.mode is CorrectionMode.NIP:
                replacement_number = await next_number(session, company_id, profile.pattern, profile.reset,
                                                       today)
            correction, replacement = make_correction(fresh, spec, number=number, issue_date=today,
                                                      profile=profile, replacement_number=replacement_number)
            now = self.clock()
            # Sent today, as any invoice; by law at the latest the next working day (offline24), the
            # deadline the issuing job warns about.
            deadlines = send_deadlines(OfflineMode.OFFLINE24, today)
            common: dict[str, Any] = {"company_id": company_id, "user_id": user_id, "chat_id": chat_id,
                                      "language": language, "issue_date": today, "mode": ONLINE,
                                      "deadline": deadlines.conservative, "legal_deadline": deadlines.legal,
                                      "attempts": 0, "created_at": now, "updated_at": now}
            if fresh.waits:  # not issued yet: no deadline until it is built
                row = IssuedInvoice(number=number, draft={"correction": spec.to_json()}, xml=b"",
                                    invoice_hash="", state=DocState.HELD.value,
                                    **{**common, "deadline": None, "legal_deadline": None})
                columns = RegisterColumns.of_correction(correction)
            else:
                xml = self._build(correction)
                row = IssuedInvoice(number=number, draft={"correction": spec.to_json()}, xml=xml,
                                    invoice_hash=sha256_b64(xml), state=DocState.PREPARED.value, **common)
                columns = RegisterColumns.of_xml(xml)
            row.corrects_id, row.original_id = fresh.head.id, fresh.root.id
            columns.apply(row)
            session.add(row)
            new_invoice = None
            if replacement is not None:
                root = await session.get(IssuedInvoice, fresh.root.id)
                assert root is not None
                new_invoice = self._replacement_row(replacement, fresh, Draft.from_json(root.draft), common)
                session.add(new_invoice)
            await session.flush()
            return PreparedCorrection(view_of(row), view_of(new_invoice) if new_invoice is not None else None)

    def _build(self, correction: Correction) -> bytes:
        try:
            return build_correction(correction, created_at=self.clock())
        except KsefError as exc:
            raise _library_error(exc) from None

    def _replacement_row(self, invoice: Invoice, target: CorrectionTarget, root_draft: Draft,
                         common: dict[str, Any]) -> IssuedInvoice:
        """The new invoice to the right NIP: the corrected invoice's content, issued as any invoice; its
        draft (for "issue again") is the invoice's own with the right buyer and the lines as they stand."""
        try:
            xml = build(invoice, created_at=self.clock())
        except KsefError as exc:
            raise _library_error(exc) from None
        buyer = root_draft.buyer or DraftBuyer()
        lines = tuple(DraftLine(name=line.name, quantity=line.quantity, unit_price=line.unit_price,
                                vat_rate=line.vat_rate.value, unit=line.unit) for line in invoice.lines)
        draft = replace(root_draft, buyer=replace(buyer, nip=invoice.buyer.nip), lines=lines)
        row = IssuedInvoice(number=invoice.number, draft=draft.to_json(), xml=xml,
                            invoice_hash=sha256_b64(xml), state=DocState.PREPARED.value, **common)
        RegisterColumns.of_xml(xml).apply(row)
        return row

    # --- held corrections ----------------------------------------------------------------------------
    async def release(self, invoice_id: int) -> bool:
        """A held correction whose corrected document now has its KSeF number is built (dated today: it
        is issued only now) and becomes ``prepared``; True then. A corrected document KSeF rejected
        makes the correction rejected too (the user is told as of any rejection)."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None or DocState(row.state) is not DocState.HELD or row.corrects_id is None:
                return False
            head = await session.get(IssuedInvoice, row.corrects_id)
            if head is None or DocState(head.state) is DocState.REJECTED:
                row.state, row.status_text = DocState.REJECTED.value, _corrected_rejected(head)
                row.updated_at = self.clock()
                return False
            if head.ksef_number is None:
                return False
            spec = CorrectionSpec.from_json(row.draft["correction"])
            profile = await self._profile(row.company_id)
            try:
                target = await self._target(session, row.original_id or head.id, upto=head.id)
                # UNCONFIRMED: dated the day it is built. Until now nothing of it existed outside the bot
                # (no XML, no printout), and a P_1 earlier than the day KSeF receives it would make it an
                # offline invoice without its KOD II.
                correction, _ = make_correction(target, spec, number=row.number, issue_date=self.today(),
                                                profile=profile)
                xml = self._build(correction)
            except ServiceError as exc:
                row.state, row.status_text = DocState.REJECTED.value, (exc.user_message or exc.code)[:1000]
                row.updated_at = self.clock()
                return False
            today = self.today()
            deadlines = send_deadlines(OfflineMode.OFFLINE24, today)
            row.xml, row.invoice_hash, row.issue_date = xml, sha256_b64(xml), today
            row.deadline, row.legal_deadline = deadlines.conservative, deadlines.legal
            row.state, row.updated_at = DocState.PREPARED.value, self.clock()
            RegisterColumns.of_xml(xml).apply(row)
            return True

    async def spec_of(self, invoice_id: int) -> CorrectionSpec | None:
        """The spec a stored correction was made from (None for an ordinary invoice)."""
        async with self.db.transaction() as session:
            row = await session.get(IssuedInvoice, invoice_id)
            if row is None or "correction" not in (row.draft or {}):
                return None
            return CorrectionSpec.from_json(row.draft["correction"])


def _corrected_rejected(head: IssuedInvoice | None) -> str:
    number = head.number if head is not None else "?"
    return f"KSeF odrzucił fakturę {number}, więc jej korekty nie wysłano (nie ma czego korygować)."

