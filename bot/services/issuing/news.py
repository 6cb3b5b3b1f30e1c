"""What the user hears about an issued invoice, as outbox kinds: the result (:data:`ISSUED_RESULT`, one
message: the KOD I photo or the offline card with a short caption, or a text), its documents
(:data:`ISSUED_DOCUMENTS`, one document group: PDF + XML) and deadline warnings (:data:`DEADLINE_WARNING`).

Every row is written in the transaction that records the news as told (``notified_state`` / the warning's
mark), with a dedupe key per invoice and state, so the chat handler and the background work (or two
workers) can never queue the same news twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.pacing import Priority
from bot.services.issuing.state import InvoiceState
from bot.services.outbox import JsonObject, Kind, json_bool, json_int, json_str


@dataclass(frozen=True)
class IssuedResult:
    """The outcome of an issued invoice as it was when told (``state``)."""

    invoice_id: int
    state: InvoiceState
    chosen_offline: bool = False  # the user pressed "offline" (the text says so)

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id, "state": self.state.value,
                "chosen_offline": self.chosen_offline}

    @classmethod
    def from_json(cls, data: JsonObject) -> IssuedResult:
        return cls(json_int(data, "invoice_id"), InvoiceState(json_str(data, "state")),
                   json_bool(data, "chosen_offline"))


@dataclass(frozen=True)
class IssuedDocuments:
    """The printout of an issued invoice: PDF and XML as one document group."""

    invoice_id: int

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id}

    @classmethod
    def from_json(cls, data: JsonObject) -> IssuedDocuments:
        return cls(json_int(data, "invoice_id"))


@dataclass(frozen=True)
class DeadlineWarning:
    """An unfinished invoice that must reach KSeF by ``deadline`` and has not yet."""

    invoice_id: int
    deadline: date

    def to_json(self) -> JsonObject:
        return {"invoice_id": self.invoice_id, "deadline": self.deadline.isoformat()}

    @classmethod
    def from_json(cls, data: JsonObject) -> DeadlineWarning:
        return cls(json_int(data, "invoice_id"), date.fromisoformat(json_str(data, "deadline")))


ISSUED_RESULT = Kind("issued.result", IssuedResult.from_json)
ISSUED_DOCUMENTS = Kind("issued.documents", IssuedDocuments.from_json, messages=2)  # PDF + XML
DEADLINE_WARNING = Kind("issued.deadline", DeadlineWarning.from_json, Priority.NOTIFICATION)

# States whose result comes with the documents (a printout exists to give).
WITH_DOCUMENTS = (InvoiceState.ACCEPTED, InvoiceState.OFFLINE, InvoiceState.KEPT)
