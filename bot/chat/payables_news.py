"""Due-date reminders of supplier invoices: the renderer of the outbox kind ``payables.due``.

Made when sent, from what is stored then: an invoice paid meanwhile is left out, and a reminder whose
invoices are all paid is dropped. The list button carries the row id (the delivery probe's marker)."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.payables_text import left_text, name
from bot.chat.rendering import Rendered, TextMessage, renders
from bot.i18n import clip, fmt_date, t
from bot.i18n.limits import fit
from bot.services import Services
from bot.services.outbox import OutboxItem
from bot.services.payables import PAYABLES_DUE, Payable, PayablesDue

BUTTONS_FOR = 5  # invoices that get their own buttons in one reminder (the list has the others)


def pay_button(lang: str, invoice_id: int) -> InlineKeyboardButton | None:
    """The "💸 Zapłać" button that opens the payment card of ``invoice_id`` (:mod:`bot.chat.pay`), put
    first in the invoice's row of the reminder (see :func:`_keyboard`)."""
    return InlineKeyboardButton(t(lang, "btn.py_pay"), callback_data=f"py:c:{invoice_id}")


def _keyboard(lang: str, row_id: int, company_id: int, items: list[Payable]) -> InlineKeyboardMarkup:
    rows = []
    single = len(items) == 1
    for item in items[:BUTTONS_FOR]:
        paid = t(lang, "pb.btn.paid") if single else t(lang, "pb.btn.paid_number",
                                                       number=clip(item.invoice_number, 24))
        row = [InlineKeyboardButton(paid, callback_data=f"pb:paid:{item.invoice_id}"),
               InlineKeyboardButton(t(lang, "pb.btn.part" if single else "pb.btn.part_short"),
                                    callback_data=f"pb:part:{item.invoice_id}")]
        pay = pay_button(lang, item.invoice_id)
        rows.append([pay, *row] if pay is not None else row)
    listing = InlineKeyboardButton(t(lang, "pb.btn.list"), callback_data=f"pb:list:{company_id}:0:{row_id}")
    rows.append([listing])
    return InlineKeyboardMarkup(rows)


@renders(PAYABLES_DUE)
async def payables_due(services: Services, row: OutboxItem, payload: PayablesDue) -> Rendered | None:
    """"Terminy płatności": the invoices due today, then those due tomorrow, with buttons to mark them."""
    lang = row.language
    items = await services.payables.reminded(payload.due_today + payload.due_tomorrow)
    if not items:
        return None  # all paid meanwhile: nothing to remind of
    today = [i for i in items if i.invoice_id in payload.due_today]
    tomorrow = [i for i in items if i.invoice_id in payload.due_tomorrow]
    lines: list[str] = []
    for key, group, day in (("pb.due_today", today, payload.day),
                            ("pb.due_tomorrow", tomorrow, payload.day + timedelta(days=1))):
        if not group:
            continue
        lines.append(t(lang, key, date=fmt_date(lang, day)))
        for item in group:
            number, seller = name(item)
            lines.append(t(lang, "pb.due_line", number=number, seller=seller, amount=left_text(lang, item)))
    text = fit([t(lang, "pb.due_title", nip=items[0].company_nip)], lines, ["", t(lang, "pb.due_foot")],
               more=lambda count: t(lang, "pb.due_more", count=count))
    return TextMessage(text, _keyboard(lang, row.id, payload.company_id, today + tomorrow))
