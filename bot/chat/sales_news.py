"""What the seller hears about invoices past their due date: renderers of the outbox kinds ``sales.overdue``
(the list, its buttons open the cards) and ``sales.overdue_text`` (the reminder to forward to the buyer)."""

from __future__ import annotations

from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.rendering import Rendered, TextMessage, renders
from bot.chat.sales_buttons import CardVerb, card_data
from bot.i18n import clip, esc, fmt_date, fmt_money, t
from bot.services import Services
from bot.services.outbox import OutboxItem
from bot.services.sales.overdue import (
    OVERDUE_REMINDER,
    OVERDUE_SUMMARY,
    OverdueInvoice,
    OverdueReminder,
    OverdueSummary,
)
from ksef.banking import format_account


def money(lang: str, amount: Decimal, currency: str) -> str:
    return fmt_money(lang, amount, currency)


@renders(OVERDUE_SUMMARY)
async def overdue_summary(services: Services, row: OutboxItem, payload: OverdueSummary) -> Rendered | None:
    """The seller's list of invoices past their due date; a button opens each card (the buttons name
    invoices told only in this row: the delivery probe's marker)."""
    invoices = await services.overdue.read(payload.invoice_ids)
    if not invoices:
        return None  # all paid meanwhile
    lang = row.language
    lines = [t(lang, "sa.overdue_title")]
    lines += [t(lang, "sa.overdue_line", number=esc(i.number), buyer=esc(clip(i.buyer_name or "—", 40)),
                amount=money(lang, i.remaining, i.currency), due=fmt_date(lang, i.due_date), days=i.days_late)
              for i in invoices]
    lines.append(t(lang, "sa.overdue_forward"))
    buttons = [[InlineKeyboardButton(f"{clip(i.number, 24)} · {clip(i.buyer_name, 20)}",
                                     callback_data=card_data(CardVerb.OPEN, i.invoice_id))] for i in invoices]
    return TextMessage("\n".join(lines), InlineKeyboardMarkup(buttons))


@renders(OVERDUE_REMINDER)
async def overdue_reminder(services: Services, row: OutboxItem, payload: OverdueReminder) -> Rendered | None:
    """The text to forward to the buyer, in Polish whatever the seller's language (the buyer's invoice is
    Polish); no keyboard, so forwarding it carries nothing of the bot."""
    found = await services.overdue.read((payload.invoice_id,))
    if not found:
        return None
    return TextMessage(reminder_text(found[0]))


def reminder_text(invoice: OverdueInvoice) -> str:
    """"Przypomnienie o płatności…" with the number, amount, account and KSeF number."""
    lang = "pl"
    parts = [t(lang, "sa.reminder_head", number=esc(invoice.number),
               issued=invoice.issue_date.strftime("%d.%m.%Y"),
               amount=money(lang, invoice.remaining, invoice.currency),
               due=invoice.due_date.strftime("%d.%m.%Y"))]
    if invoice.bank_account:
        parts.append(t(lang, "sa.reminder_account", account=esc(format_account(invoice.bank_account))))
    if invoice.ksef_number:
        parts.append(t(lang, "sa.reminder_ksef", ksef_number=esc(invoice.ksef_number)))
    else:
        parts.append(t(lang, "sa.reminder_number", number=esc(invoice.number)))
    parts.append(t(lang, "sa.reminder_foot", seller=esc(invoice.seller_name)))
    return "\n".join(parts)
