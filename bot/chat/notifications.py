"""Purchase-invoice notifications sent by the bot on its own: the renderers of the outbox kinds
``inbox.invoice`` and ``inbox.summary`` (their keyboards name the row: the delivery probe's marker)."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.chat.rendering import Rendered, TextMessage, renders
from bot.i18n import clip, esc, fmt_date, fmt_money, t
from bot.i18n.limits import fit, shorten
from bot.services import Services
from bot.services.inbox import INVOICE_SUMMARY, NEW_INVOICE, InvoiceNews, InvoiceView, NewsView
from bot.services.outbox import OutboxItem
from bot.services.pay_card import COUNTER_METHODS
from ksef.banking import format_account

log = logging.getLogger(__name__)

SUMMARY_LINES = 20


def money(lang: str, amount: str, currency: str) -> str:
    """An amount from a supplier's invoice, ready for HTML: the currency code is the supplier's text
    (``<b>`` fits in three characters), so the result is escaped."""
    code = clip(currency or "PLN", 8)
    try:
        return esc(fmt_money(lang, Decimal(amount), code))
    except (InvalidOperation, ValueError):
        return esc(f"{clip(amount, 30)} {code}")


TRANSFER = "6"  # FormaPlatnosci: przelew
PAYMENT_CODES = frozenset("1234567")  # FormaPlatnosci codes with a name in the catalog


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def payable(inv: InvoiceView) -> bool:
    """An unpaid invoice paid by transfer (so stated, or no method given but an account): "Zapłać"."""
    if inv.paid or (inv.outstanding_minor is not None and inv.outstanding_minor <= 0):
        return False
    return inv.payment_method == TRANSFER or (inv.payment_method is None and bool(inv.bank_accounts
                                                                                 or inv.bank_account))


def paying_lines(lang: str, inv: InvoiceView) -> list[str]:
    """What the notification says about paying: paid or how, due date, accounts, split payment.

    Cash, card or mobile payment without ``Zaplacono=1`` is shown as the method with "not stated as paid",
    never taken as paid: a card may be charged later, and the invoice is our only evidence."""
    lines = []
    method = t(lang, f"py.method.{inv.payment_method}") if inv.payment_method in PAYMENT_CODES else None
    gross = _decimal(inv.gross)
    left = Decimal(inv.outstanding_minor) / 100 if inv.outstanding_minor is not None else None
    partly = left is not None and gross is not None and left < gross
    if inv.paid:
        lines.append(t(lang, "py.n.paid"))
    elif partly and left is not None and gross is not None:
        lines.append(t(lang, "py.n.partly", paid=money(lang, str(gross - left), inv.currency),
                       left=money(lang, str(left), inv.currency)))
    if not inv.paid and method:
        counter = inv.payment_method in COUNTER_METHODS and not partly
        lines.append(t(lang, "py.n.counter" if counter else "py.n.method", method=method))
    if inv.due_date and not inv.paid:
        lines.append(t(lang, "in.due", date=fmt_date(lang, inv.due_date)))
    accounts = inv.bank_accounts or ((inv.bank_account,) if inv.bank_account else ())
    if len(accounts) == 1:
        lines.append(t(lang, "in.account", account=esc(format_account(accounts[0], iban=True))))
    elif accounts:
        lines.append(t(lang, "py.n.accounts"))
        lines += [t(lang, "py.n.account_line", account=esc(format_account(a, iban=True)))
                  for a in accounts[:10]]
    if inv.split_payment:
        lines.append(t(lang, "py.n.split"))
    return lines


def unpaid(inv: InvoiceView) -> bool:
    """Not paid in full yet (what the payables list shows, whatever the method)."""
    return not inv.paid and (inv.outstanding_minor is None or inv.outstanding_minor > 0)


def render(lang: str, row_id: int, single: bool, view: NewsView,
           company_id: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """The notification text and keyboard; deterministic (the delivery probe re-creates it).

    A summary gets "Do zapłaty" (the payables list of ``company_id``) when any invoice in it is unpaid."""
    if single and view.invoices:
        inv = view.invoices[0]
        lines = [t(lang, "in.new", company=view.company_nip),
                 t(lang, "in.seller", name=esc(clip(inv.seller_name, 300)),
                   nip=esc(clip(inv.seller_nip, 30))),
                 t(lang, "in.number", number=esc(clip(inv.invoice_number, 256)))]
        if inv.issue_date:
            lines.append(t(lang, "in.issued", date=fmt_date(lang, inv.issue_date)))
        lines.append(t(lang, "in.gross", amount=money(lang, inv.gross, inv.currency)))
        lines += paying_lines(lang, inv)
        lines.append(t(lang, "in.ksef", number=esc(inv.ksef_number)))
        text = shorten("\n".join(lines))
        rows = [[InlineKeyboardButton(t(lang, "btn.py_pay"), callback_data=f"py:c:{inv.id}")]] \
            if payable(inv) else []
        markup = InlineKeyboardMarkup([
            *rows,
            [InlineKeyboardButton(t(lang, "btn.in_details"), callback_data=f"in:d:{inv.id}:{row_id}")],
            [InlineKeyboardButton(t(lang, "btn.in_xml"), callback_data=f"in:x:{inv.id}"),
             InlineKeyboardButton(t(lang, "btn.in_pdf"), callback_data=f"in:p:{inv.id}")]])
        return text, markup
    head = [t(lang, "in.summary", count=view.total_count, company=view.company_nip)]
    items = [t(lang, "in.summary_line", seller=esc(clip(inv.seller_name or inv.seller_nip, 80)),
               number=esc(clip(inv.invoice_number, 60)), amount=money(lang, inv.gross, inv.currency))
             for inv in view.invoices[:SUMMARY_LINES]]
    text = fit(head, items, more=lambda count: t(lang, "in.summary_more", count=count),
               hidden=max(0, view.total_count - len(items)))
    rows = [[InlineKeyboardButton(t(lang, "btn.in_list"), callback_data=f"in:l:0:{row_id}")]]
    if company_id is not None and any(unpaid(inv) for inv in view.invoices):
        rows.append([InlineKeyboardButton(t(lang, "btn.in_to_pay"), callback_data=f"pb:list:{company_id}:0")])
    return text, InlineKeyboardMarkup(rows)


@renders(NEW_INVOICE)
async def new_invoice(services: Services, row: OutboxItem, news: InvoiceNews) -> Rendered | None:
    return await _render(services, row, news, single=True)


@renders(INVOICE_SUMMARY)
async def invoice_summary(services: Services, row: OutboxItem, news: InvoiceNews) -> Rendered | None:
    return await _render(services, row, news, single=False)


async def _render(services: Services, row: OutboxItem, news: InvoiceNews, *, single: bool) -> Rendered | None:
    view = await services.inbox.news(row.company_id, news)
    if view is None:
        return None
    text, markup = render(row.language, row.id, single, view, row.company_id)
    return TextMessage(text, markup)
