"""The states of an issued invoice; the ``issued_invoices.state`` column holds their values.

prepared (stored: number, exact XML bytes and their hash; nothing sent) → sending (a session reference
is recorded; the send may or may not have reached KSeF) → processing (KSeF has it, no number yet) →
accepted | rejected. Offline: offline (issued with KOD II, waiting for upload) → processing → accepted.
waiting: KSeF was down and there is no Offline certificate; it is sent online when KSeF answers.
kept: issued during an announced total failure (no sending obligation, no codes).
held: a correction of an invoice still waiting for its KSeF number; built with that number and sent
then (KSeF takes a correction only of a numbered invoice).
"""

from __future__ import annotations

from enum import StrEnum


class InvoiceState(StrEnum):
    """Where an issued invoice is; the values are the stored strings."""

    PREPARED = "prepared"
    SENDING = "sending"
    PROCESSING = "processing"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    OFFLINE = "offline"
    WAITING = "waiting"
    KEPT = "kept"
    HELD = "held"


# Not final: background work (reconcile, follow up, upload) still has something to do.
UNFINISHED = (InvoiceState.PREPARED, InvoiceState.SENDING, InvoiceState.PROCESSING, InvoiceState.OFFLINE,
              InvoiceState.WAITING, InvoiceState.HELD)
# The offline queue: issued, waiting for KSeF.
QUEUED = (InvoiceState.OFFLINE, InvoiceState.WAITING)
# States the user is told about by the background job when they change.
REPORTED = (InvoiceState.ACCEPTED, InvoiceState.REJECTED, InvoiceState.PROCESSING, InvoiceState.WAITING,
            InvoiceState.OFFLINE)
