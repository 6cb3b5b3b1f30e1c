"""What the user asked a correction to change, as the chat collects it (:class:`CorrectionSpec`).

A spec names the document it corrects and the edits; it is kept in the chat's dialogue (as JSON), and
for a correction that waits for the corrected invoice's KSeF number also in ``issued_invoices.draft``:
the correction is built from the stored XML of the chain plus this spec whenever it is needed, so what
the user confirmed is what is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.services.issuing.draft import DraftLine
from ksef.fa3 import InvoiceLine, VatRate
from ksef.fa3.correction import InvoiceState


class CorrectionMode(StrEnum):
    """What kind of correction: edits of lines or the buyer's data, everything to zero, or a wrong NIP."""

    EDIT = "edit"
    ZERO = "zero"
    NIP = "nip"


@dataclass(frozen=True)
class LineEdit:
    """New values of one position (None: unchanged); quantity 0 removes it."""

    number: int
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    vat_rate: str | None = None

    def merged(self, other: LineEdit) -> LineEdit:
        return LineEdit(self.number, other.quantity if other.quantity is not None else self.quantity,
                        other.unit_price if other.unit_price is not None else self.unit_price,
                        other.vat_rate if other.vat_rate is not None else self.vat_rate)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"number": self.number}
        if self.quantity is not None:
            data["quantity"] = f"{self.quantity:f}"
        if self.unit_price is not None:
            data["unit_price"] = f"{self.unit_price:f}"
        if self.vat_rate is not None:
            data["vat_rate"] = self.vat_rate
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LineEdit:
        def dec(key: str) -> Decimal | None:
            return Decimal(str(data[key])) if data.get(key) is not None else None
        rate = data.get("vat_rate")
        return cls(int(data["number"]), dec("quantity"), dec("unit_price"), str(rate) if rate else None)


@dataclass(frozen=True)
class CorrectionSpec:
    """The corrected document (``corrects_id``) and what changes; every change gives a new spec."""

    corrects_id: int
    mode: CorrectionMode = CorrectionMode.EDIT
    lines: tuple[LineEdit, ...] = ()
    removed: tuple[int, ...] = ()
    added: tuple[DraftLine, ...] = ()
    buyer_name: str | None = None
    buyer_address: tuple[str, ...] | None = None
    buyer_nip: str | None = None  # the right NIP (mode NIP)
    reason: str | None = None

    @property
    def empty(self) -> bool:
        """Nothing asked yet (an edit correction with no edit)."""
        return self.mode is CorrectionMode.EDIT and not (
            self.lines or self.removed or self.added or self.buyer_name is not None
            or self.buyer_address is not None)

    # --- edits -------------------------------------------------------------------------------------
    def with_line(self, edit: LineEdit) -> CorrectionSpec:
        """Change values of a position (merged with earlier changes of it; it is no longer removed)."""
        others = [e for e in self.lines if e.number != edit.number]
        old = next((e for e in self.lines if e.number == edit.number), None)
        merged = old.merged(edit) if old is not None else edit
        removed = tuple(n for n in self.removed if n != edit.number)
        return replace(self, mode=CorrectionMode.EDIT, lines=tuple(sorted([*others, merged],
                                                                         key=lambda e: e.number)),
                       removed=removed, buyer_nip=None)

    def without_line(self, number: int) -> CorrectionSpec:
        kept = tuple(e for e in self.lines if e.number != number)
        removed = tuple(sorted({*self.removed, number}))
        return replace(self, mode=CorrectionMode.EDIT, lines=kept, removed=removed, buyer_nip=None)

    def with_added(self, line: DraftLine) -> CorrectionSpec:
        return replace(self, mode=CorrectionMode.EDIT, added=(*self.added, line), buyer_nip=None)

    def without_added(self, index: int) -> CorrectionSpec:
        return replace(self, added=tuple(a for i, a in enumerate(self.added) if i != index))

    def with_buyer(self, name: str | None, address: tuple[str, ...] | None) -> CorrectionSpec:
        return replace(self, mode=CorrectionMode.EDIT, buyer_name=name, buyer_address=address, buyer_nip=None)

    def to_zero(self) -> CorrectionSpec:
        """Cancel the invoice: every position to quantity 0 (other edits dropped)."""
        return CorrectionSpec(self.corrects_id, CorrectionMode.ZERO, reason=self.reason)

    def with_nip(self, nip: str) -> CorrectionSpec:
        """A wrong buyer NIP: the invoice to zero plus a new invoice to ``nip`` (other edits dropped)."""
        return CorrectionSpec(self.corrects_id, CorrectionMode.NIP, buyer_nip=nip, reason=self.reason)

    def with_reason(self, reason: str) -> CorrectionSpec:
        return replace(self, reason=reason)

    # --- the edited invoice -------------------------------------------------------------------------
    def edited(self, state: InvoiceState) -> InvoiceState:
        """``state`` with the edits applied (KeyError: a position the state does not have)."""
        for edit in self.lines:
            changes: dict[str, Any] = {}
            if edit.quantity is not None:
                changes["quantity"] = edit.quantity
            if edit.unit_price is not None:
                changes["unit_price"] = edit.unit_price
            if edit.vat_rate is not None:
                changes["vat_rate"] = VatRate(edit.vat_rate)
            state = state.with_line(edit.number, **changes)
        # Added before removed: a new position is numbered after every number the invoice used, so it is
        # never mistaken for the removed one (numbers stay stable across corrections).
        for line in self.added:
            state = state.with_added_line(InvoiceLine(name=line.name, quantity=line.quantity,
                                                      unit_price=line.unit_price,
                                                      vat_rate=VatRate(line.vat_rate), unit=line.unit))
        for number in self.removed:
            state = state.without_line(number)
        if self.buyer_name is not None or self.buyer_address is not None:
            buyer = state.buyer
            state = state.with_buyer(replace(
                buyer, name=self.buyer_name if self.buyer_name is not None else buyer.name,
                address=self.buyer_address if self.buyer_address is not None else buyer.address))
        return state

    # --- storage ------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"corrects_id": self.corrects_id, "mode": self.mode.value,
                "lines": [e.to_json() for e in self.lines], "removed": list(self.removed),
                "added": [line.to_json() for line in self.added], "buyer_name": self.buyer_name,
                "buyer_address": list(self.buyer_address) if self.buyer_address is not None else None,
                "buyer_nip": self.buyer_nip, "reason": self.reason}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CorrectionSpec:
        address = data.get("buyer_address")
        return cls(corrects_id=int(data["corrects_id"]), mode=CorrectionMode(data.get("mode") or "edit"),
                   lines=tuple(LineEdit.from_json(e) for e in data.get("lines") or ()),
                   removed=tuple(int(n) for n in data.get("removed") or ()),
                   added=tuple(DraftLine.from_json(line) for line in data.get("added") or ()),
                   buyer_name=data.get("buyer_name"),
                   buyer_address=tuple(str(a) for a in address) if address is not None else None,
                   buyer_nip=data.get("buyer_nip"), reason=data.get("reason"))
