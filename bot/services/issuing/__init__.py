"""Issuing sales invoices (no Telegram here).

- :mod:`.draft`: the typed draft the chat collects, the FA(3) invoice it becomes, its preview;
- :mod:`.parsing`: lines and buyers typed in the chat;
- :mod:`.state`: :class:`InvoiceState`, the stored states;
- :mod:`.columns`: the sales-register columns copied out of the XML when it is written;
- :mod:`.records`: the stored invoices (:class:`IssuedView`, reads and updates);
- :mod:`.lifecycle`: :class:`IssuingService`: prepare, issue, advance, reconcile, announce;
- :mod:`.offline`: offline modes, KOD II, technical correction, the offline queue;
- :mod:`.news`: what the user hears about an issued invoice (outbox kinds);
- :mod:`.printout`: the PDF, QR images and XML the user receives.
"""

from bot.services.issuing.draft import Draft, DraftBuyer, DraftLine, Preview, new_draft
from bot.services.issuing.lifecycle import IssuingService
from bot.services.issuing.offline import OfflineBacklog, OfflineQueue
from bot.services.issuing.printout import Printout
from bot.services.issuing.records import IssuedView
from bot.services.issuing.state import InvoiceState

__all__ = ["Draft", "DraftBuyer", "DraftLine", "InvoiceState", "IssuedView", "IssuingService",
           "OfflineBacklog", "OfflineQueue", "Preview", "Printout", "new_draft"]
