"""The payment card in the chat: "💸 Zapłać" on a supplier invoice's notification shows who to pay, the
account, the amount left, the full transfer title to copy, the VAT-list check, and then the transfer QR
code as a photo; "Zapłać wszystkie" pays every unpaid invoice of the supplier under one IZ.

Buttons (``py:``): ``py:c:<invoice>`` the card, ``py:a:<invoice>:<account>`` the card paying to another of
the invoice's accounts (its position), ``py:z:<invoice>`` "Zapłać wszystkie". The card is built by
``bot.services.pay_card``; this module only shows it.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, ids, send
from bot.chat.notifications import PAYMENT_CODES, money
from bot.i18n import clip, esc, fmt_date, plain, t
from bot.i18n.limits import shorten
from bot.services.errors import AccessDenied
from bot.services.pay_card import COUNTER_METHODS, WL_THRESHOLD, ListStatus, PayAllError, PayCard
from ksef.banking import format_account
from ksef.transfer_qr import TransferQr, TransferQrRefused

log = logging.getLogger(__name__)

ACTIONS: dict[str, Spec] = {"c": (Field.ID,), "a": (Field.ID, Field.ID), "z": (Field.ID,)}
MAX_ACCOUNT_BUTTONS = 6
CAPTION_LIMIT = 1024


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``py:c`` the card, ``py:a`` the card with another account, ``py:z`` one transfer for all."""
    user_id, chat_id = ids(update)
    cards = context.services.pay_cards
    try:
        if pressed.action == "z":
            await _pay_all(context, chat_id, lang, user_id, pressed.id)
            return
        account = pressed.ids[1] if pressed.action == "a" else 0
        await _with_xml(context, user_id, pressed.id)
        card = await cards.card(user_id, pressed.id, account)
    except AccessDenied:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    await show(context, chat_id, lang, card)


async def _with_xml(context: Context, user_id: int, invoice_id: int) -> None:
    """An invoice found without its XML (a big batch, a back-fill) is downloaded once now: the accounts,
    due date and split payment are in it. Without KSeF the card shows what is stored."""
    svc = context.services
    if (await svc.inbox.invoice_for(user_id, invoice_id)).has_xml:
        return
    try:
        await svc.sync.fetch_xml(invoice_id)
    except Exception as exc:  # KSeF down, token revoked: the card still shows what is known
        log.info("invoice %s: XML not downloaded for the payment card (%s)", invoice_id, type(exc).__name__)


async def _pay_all(context: Context, chat_id: int, lang: str, user_id: int, invoice_id: int) -> None:
    try:
        card = await context.services.pay_cards.pay_all(user_id, invoice_id)
    except PayAllError as exc:
        reason = esc(clip(exc.detail, 300)) if exc.detail else ""
        await send(context, chat_id, t(lang, f"py.all.{exc.problem.value}", reason=reason))
        return
    await show(context, chat_id, lang, card)


def method_label(lang: str, code: str | None) -> str | None:
    """A FormaPlatnosci code in words (None for none or an unknown code)."""
    return t(lang, f"py.method.{code}") if code in PAYMENT_CODES else None


def _amount(lang: str, value: object, currency: str) -> str:
    return money(lang, str(value), currency)


def card_text(lang: str, card: PayCard) -> str:
    """The card's text (HTML): what to type into the bank form on consecutive lines, then the title to
    copy, then each note in its own paragraph. The QR code follows as a photo."""
    collective = card.collective_id is not None
    head = t(lang, "py.all.head", count=len(card.invoice_numbers)) if collective else \
        t(lang, "py.card.head", number=esc(clip(card.invoice_number, 120)))
    core = [head, t(lang, "py.card.recipient", name=esc(clip(card.seller_name or card.seller_nip, 200)),
                    nip=esc(clip(card.seller_nip, 30)))]
    if card.paid:
        source = t(lang, "py.src.user" if card.paid_source == "user" else "py.src.xml")
        return shorten("\n".join([*core, t(lang, "py.card.paid", source=source)]))
    notes: list[str] = []
    method = method_label(lang, card.payment_method)
    if method and card.payment_method in COUNTER_METHODS and not collective:
        notes.append(t(lang, "py.card.counter", method=method))
    if card.account:
        core.append(t(lang, "py.card.account", account=esc(format_account(card.account, iban=True))))
        if len(card.accounts) > 1:
            notes.append(t(lang, "py.card.accounts", count=len(card.accounts), no=card.account_index + 1))
    else:
        notes.append(t(lang, "py.card.no_account"))
    if collective:
        core.append(t(lang, "py.all.iz", iz=esc(card.collective_id)))
        core.append(t(lang, "py.all.invoices", numbers=esc(clip(", ".join(card.invoice_numbers), 600))))
        core.append(t(lang, "py.all.total", amount=_amount(lang, card.to_pay, card.currency)))
    elif card.to_pay is None:
        core.append(t(lang, "py.card.amount_unknown", amount=money(lang, card.gross_text, card.currency)))
    elif card.gross is not None and card.to_pay != card.gross:
        core.append(t(lang, "py.card.amount_left", amount=_amount(lang, card.to_pay, card.currency),
                      gross=_amount(lang, card.gross, card.currency)))
    else:
        core.append(t(lang, "py.card.amount", amount=_amount(lang, card.to_pay, card.currency)))
    if card.due_date:
        core.append(t(lang, "py.card.due", date=fmt_date(lang, card.due_date)))
    if card.title is not None:
        title = t(lang, "py.card.title", title=esc(card.title.full))
    else:
        title = t(lang, "py.card.title_missing", reason=esc(clip(card.title_problem or "", 200)),
                  number=esc(clip(card.invoice_number, 120)))
    if card.split_payment:
        notes.append(t(lang, "py.card.split"))
    if card.currency != "PLN":
        notes.append(t(lang, "py.card.foreign", currency=esc(clip(card.currency, 8))))
    notes += _white_list(lang, card)
    notes += _qr_notes(lang, card)
    if not collective and card.unpaid_of_seller >= 2:
        notes.append(t(lang, "py.card.others", count=card.unpaid_of_seller))
    return shorten("\n\n".join(["\n".join(core), title, *notes]))


def _white_list(lang: str, card: PayCard) -> list[str]:
    check = card.white_list
    if check is None:
        return []
    if check.status in (ListStatus.ASSIGNED, ListStatus.NOT_ASSIGNED):
        key = "py.wl.assigned" if check.status is ListStatus.ASSIGNED else "py.wl.not_assigned"
        day = fmt_date(lang, check.checked_on) if check.checked_on else ""
        out = [t(lang, key, date=day, request_id=esc(check.request_id or ""),
                 nip=esc(clip(card.seller_nip, 30)))]
        if card.warn_threshold:
            warning = t(lang, "py.wl.warn" if card.currency == "PLN" else "py.wl.warn_foreign")
            out.append(f"{warning}\n{t(lang, 'py.wl.consequences')}")
        return out
    out = [t(lang, f"py.wl.{check.status.value}")]
    big = card.currency != "PLN" or (card.gross is not None and card.gross > WL_THRESHOLD)
    if check.status in (ListStatus.LIMIT, ListStatus.UNAVAILABLE) and big:
        out.append(t(lang, "py.wl.unchecked_big"))
    return out


def _qr_notes(lang: str, card: PayCard) -> list[str]:
    code = card.qr
    if isinstance(code, TransferQrRefused):
        fields = ", ".join(t(lang, f"py.field.{p.field}") for p in code.problems)
        reason = " ".join(p.message for p in code.problems)
        return [t(lang, "py.qr.refused", fields=fields, reason=esc(clip(reason, 400)))]
    if not isinstance(code, TransferQr):
        return []
    notes = []
    if not code.ksef_number_in_code:
        notes.append(t(lang, "py.qr.short_title", short=esc(code.title_in_code)))
    if not code.amount_in_code:
        notes.append(t(lang, "py.qr.no_amount", amount=_amount(lang, code.amount, "PLN")))
    return notes


def card_keyboard(lang: str, card: PayCard) -> InlineKeyboardMarkup | None:
    """Other accounts of the invoice, "Zapłać wszystkie", and marking it paid (``pb:`` buttons of
    :mod:`bot.chat.payables`: once the transfer has left, one tap records it)."""
    rows: list[list[InlineKeyboardButton]] = []
    if card.collective_id is None and not card.paid:
        if len(card.accounts) > 1:
            choices = [InlineKeyboardButton(
                t(lang, "btn.py_account", no=i + 1, tail=plain(account.replace(" ", ""))[-4:]),
                callback_data=f"py:a:{card.invoice_id}:{i}")
                for i, account in enumerate(card.accounts[:MAX_ACCOUNT_BUTTONS]) if i != card.account_index]
            rows += [choices[i:i + 2] for i in range(0, len(choices), 2)]
        if card.unpaid_of_seller >= 2:
            rows.append([InlineKeyboardButton(t(lang, "btn.py_all", count=card.unpaid_of_seller),
                                              callback_data=f"py:z:{card.invoice_id}")])
    if not card.paid:
        invoice = card.invoice_id
        rows.append([InlineKeyboardButton(t(lang, "pb.btn.paid"), callback_data=f"pb:paid:{invoice}"),
                     InlineKeyboardButton(t(lang, "pb.btn.part"), callback_data=f"pb:part:{invoice}")])
    return InlineKeyboardMarkup(rows) if rows else None


async def show(context: Context, chat_id: int, lang: str, card: PayCard) -> None:
    """The card as a text, then its QR code as a photo (when there is one)."""
    await send(context, chat_id, card_text(lang, card), card_keyboard(lang, card))
    if isinstance(card.qr, TransferQr) and not card.paid:
        name = f"przelew-{card.collective_id or card.ksef_number}.png"
        await context.bot.send_photo(chat_id, InputFile(card.qr.png(), filename=name),
                                     caption=t(lang, "py.qr.caption")[:CAPTION_LIMIT])
