"""Issuing sales invoices (no Telegram here).

- :mod:`.draft`: the typed draft the chat collects, the FA(3) invoice it becomes, its preview;
- :mod:`.parsing`: lines and buyers typed in the chat;
- :mod:`.state`: :class:`InvoiceState`, the stored states;
- :mod:`.records`: the stored invoices (:class:`IssuedView`, reads and updates);
- :mod:`.lifecycle`: :class:`IssuingService`: prepare, issue, advance, reconcile, notices;
- :mod:`.offline`: offline modes, KOD II, technical correction, the offline queue;
- :mod:`.printout`: the PDF, QR images and XML the user receives.
"""

from bot.services.issuing.draft import Draft, DraftBuyer, DraftLine, Preview, new_draft
from bot.services.issuing.lifecycle import IssuingService
from bot.services.issuing.offline import OfflineBacklog, OfflineQueue
from bot.services.issuing.printout import Printout
from bot.services.issuing.records import IssuedView, Notice
from bot.services.issuing.state import InvoiceState

__all__ = ["Draft", "DraftBuyer", "DraftLine", "InvoiceState", "IssuedView", "IssuingService", "Notice",
           "OfflineBacklog", "OfflineQueue", "Preview", "Printout", "new_draft"]
