"""What the user sees of a draft invoice: the preview text (every case's fields, the notes saying what
changed) and the keyboards under it. Every button of a preview carries the preview's version, so a
press on an old preview is answered as out of date instead of acting on a draft it never showed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache

from babel.numbers import format_currency, format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LOCALES, currency_pattern, esc, fmt_date, language_of, t
from bot.services.issuing import Draft, Preview
from bot.services.issuing.draft import GROSS, PLN, DraftBuyer, DraftLine
from bot.services.issuing.editing import Note
from bot.services.seller_profile import ProfileView
from ksef.banking import format_account
from ksef.fa3 import VatRate
from ksef.fa3.vatrules import split_payment_question

PREVIEW_LINES = 15  # a Telegram message holds 4096 characters: more lines are summarised
PREVIEW_NOTES = 8
MESSAGE_LIMIT = 4096
# The VAT rates offered as buttons when a line's rate is edited (FA(3) codes).
RATE_CHOICES = (VatRate.R23, VatRate.R8, VatRate.R5, VatRate.R0, VatRate.ZW, VatRate.NP_I, VatRate.R0_WDT,
                VatRate.R0_EX, VatRate.OO)
CURRENCY_CHOICES = ("EUR", "USD", "GBP", "CHF", PLN)
PAYMENT_CHOICES = ("transfer", "cash", "card")
_STATUS_KEYS = {"Czynny": "ivc.status.active", "Zwolniony": "ivc.status.exempt",
                "Niezarejestrowany": "ivc.status.unregistered"}


@cache
def _long_pattern(lang: str) -> str:
    """The locale's currency pattern allowing up to 8 decimals (FA(3) unit prices)."""
    return currency_pattern(lang).replace("0.00", "0.00######")


def money(lang: str, amount: Decimal, currency: str = PLN) -> str:
    """An amount the local way ("1 234,50 zł"), keeping a unit price's extra decimals ("0,125 zł")."""
    return format_currency(amount, currency, format=_long_pattern(lang), locale=LOCALES[language_of(lang)],
                           currency_digits=False)


def number(lang: str, value: Decimal) -> str:
    """A quantity or an exchange rate as typed, the local way ("1,5", "4,2345")."""
    return format_decimal(value, format="#,##0.######", locale=LOCALES[language_of(lang)])


def method_word(lang: str, method: str | None) -> str:
    return t(lang, "ivc.gross" if method == GROSS else "ivc.net")


def payment_word(lang: str, method: str | None) -> str:
    return t(lang, f"ivc.pay.{method}") if method in PAYMENT_CHOICES else esc(method or "—")


def status_text(lang: str, status: str | None) -> str:
    return t(lang, _STATUS_KEYS.get(status or "", "ivc.status.unknown"))


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def buyer_text(lang: str, buyer: DraftBuyer) -> str:
    """The buyer as one preview line: name, identifier, address, and MF's VAT status when looked up."""
    if buyer.nip:
        ident = t(lang, "ivc.buyer.nip", nip=buyer.nip)
    elif buyer.eu_vat:
        ident = t(lang, "ivc.buyer.eu", code=esc(buyer.eu_code or ""), number=esc(buyer.eu_vat))
    elif buyer.other_id:
        ident = t(lang, "ivc.buyer.foreign", number=esc(buyer.other_id), country=esc(buyer.country or ""))
    else:
        ident = t(lang, "ivc.buyer.consumer")
    text = f"{esc(_short(buyer.name, 200))} ({ident})"
    if buyer.address:
        text += ", " + esc(_short(", ".join(buyer.address), 300))
    if buyer.vat_status:
        text += f" — {status_text(lang, buyer.vat_status)}"
    return text


def line_text(lang: str, draft: Draft, no: int, line: DraftLine, value: Decimal) -> str:
    currency = draft.currency
    return t(lang, "ivc.preview.line", no=no, name=esc(_short(line.name)), qty=number(lang, line.quantity),
             unit=esc(_short(line.unit or "", 20)), price=money(lang, line.unit_price, currency),
             method=method_word(lang, draft.prices), value=money(lang, value, currency),
             rate=esc(line.rate.label))


def note_text(lang: str, note: Note, draft: Draft) -> str:
    """One note shown above the preview."""
    if note.kind == "converted":
        assert note.typed is not None and note.price is not None
        key = "ivc.note.converted" if note.exact else "ivc.note.converted_inexact"
        return t(lang, key, no=note.line_no, typed=money(lang, note.typed, draft.currency),
                 typed_method=method_word(lang, note.typed_method),
                 price=money(lang, note.price, draft.currency), method=method_word(lang, draft.prices))
    if note.kind == "prices_from_line":
        return t(lang, "ivc.note.prices_from_line", method=method_word(lang, note.typed_method))
    if note.kind == "prices_switched":
        return t(lang, "ivc.note.prices_switched", method=method_word(lang, draft.prices))
    if note.kind == "cleaned":
        return t(lang, "ivc.note.cleaned", what=t(lang, f"ivc.what.{note.what}", no=note.line_no))
    if note.kind == "currency":
        return t(lang, "ivc.note.currency", currency=esc(note.currency))
    if note.kind == "np_ii":
        return t(lang, "ivc.note.np_ii", no=note.line_no)
    if note.kind == "removed":
        return t(lang, "ivc.note.removed", no=note.line_no)
    raise ValueError(f"unknown note {note.kind!r}")


def needs_split_answer(draft: Draft, preview: Preview) -> bool:
    """The split-payment question is open: the amount reaches 15 000 zł and nobody answered yet."""
    return draft.split_payment is None and split_payment_question(preview.invoice)


def preview_text(lang: str, profile: ProfileView, draft: Draft, preview: Preview, *,
                 notes: Sequence[Note] = (), today: date) -> str:
    """The whole preview: notes, parties, dates, lines, totals, payment, annotations, open questions;
    fewer lines are listed (the rest summarised, all on the printout) until it fits one message."""
    shown = PREVIEW_LINES
    while True:
        text = _preview_text(lang, profile, draft, preview, notes, today, shown)
        if len(text) <= MESSAGE_LIMIT or shown <= 1:
            return text
        shown = max(1, shown - 5)


def _preview_text(lang: str, profile: ProfileView, draft: Draft, preview: Preview, notes: Sequence[Note],
                  today: date, max_lines: int) -> str:
    invoice = preview.invoice
    currency = invoice.currency
    parts: list[str] = []
    if notes:
        shown = [note_text(lang, note, draft) for note in notes[:PREVIEW_NOTES]]
        if len(notes) > PREVIEW_NOTES:
            shown.append("…")
        parts.append("\n".join(shown))
    head = [t(lang, "ivc.preview.title"),
            t(lang, "ivc.preview.seller", name=esc(_short(profile.name, 200)), nip=profile.nip)]
    if draft.buyer is not None:
        head.append(t(lang, "ivc.preview.buyer", buyer=buyer_text(lang, draft.buyer)))
    head.append(t(lang, "ivc.preview.issue_date", day=fmt_date(lang, today)))
    if invoice.sale_period is not None:
        start, end = invoice.sale_period
        head.append(t(lang, "ivc.preview.period", start=fmt_date(lang, start), end=fmt_date(lang, end)))
    elif invoice.sale_date is not None:
        head.append(t(lang, "ivc.preview.sale_date", day=fmt_date(lang, invoice.sale_date)))
    head.append(t(lang, "ivc.preview.prices", method=method_word(lang, draft.prices)))
    if currency != PLN and draft.exchange is not None:
        rate = draft.exchange
        head.append(t(lang, "ivc.preview.currency", currency=esc(currency), rate=number(lang, rate.rate),
                      table=esc(rate.table), day=fmt_date(lang, rate.table_date)))
    parts.append("\n".join(head))
    lines = [line_text(lang, draft, no, line, value) for no, (line, value) in
             enumerate(zip(draft.lines[:max_lines], preview.line_values, strict=False), start=1)]
    if len(draft.lines) > max_lines:
        lines.append(t(lang, "ivc.preview.more_lines", count=len(draft.lines) - max_lines))
    parts.append("\n".join(lines))
    totals = [t(lang, "ivc.preview.rate", label=esc(label), net=money(lang, net, currency),
                vat=money(lang, vat, currency), gross=money(lang, gross, currency))
              for label, net, vat, gross in preview.rates]
    totals.append(t(lang, "ivc.preview.total", net=money(lang, preview.net, currency),
                    vat=money(lang, preview.vat, currency), gross=money(lang, preview.gross, currency)))
    if preview.vat_pln:
        totals.append(t(lang, "ivc.preview.vat_pln", items=", ".join(
            f"{esc(label)}: {money(lang, amount)}" for label, amount in preview.vat_pln)))
    parts.append("\n".join(totals))
    parts.append("\n".join(_facts(lang, draft, preview)))
    if needs_split_answer(draft, preview):
        parts.append(t(lang, "ivc.split.question"))
    return "\n\n".join(p for p in parts if p)


def _facts(lang: str, draft: Draft, preview: Preview) -> list[str]:
    invoice = preview.invoice
    facts: list[str] = []
    payment = invoice.payment
    if payment is not None:
        method = payment_word(lang, draft.method)
        if payment.paid and payment.paid_date is not None:
            how = draft.method if draft.method in PAYMENT_CHOICES else "transfer"
            facts.append(t(lang, f"ivc.preview.paid.{how}", day=fmt_date(lang, payment.paid_date)))
        elif payment.due_days is not None and invoice.due_date is not None:
            facts.append(t(lang, "ivc.preview.pay_days", method=method, days=payment.due_days,
                           due=fmt_date(lang, invoice.due_date)))
        elif payment.due_date is not None:
            facts.append(t(lang, "ivc.preview.pay_due", method=method, due=fmt_date(lang, payment.due_date)))
        else:
            facts.append(t(lang, "ivc.preview.pay_method", method=method))
        if payment.bank_account:
            facts.append(t(lang, "ivc.preview.account", account=format_account(payment.bank_account)))
    if invoice.exemption_basis and not invoice.seller.vat_exempt:
        facts.append(t(lang, "ivc.preview.basis", basis=esc(invoice.exemption_basis)))
    annotations = []
    if invoice.split_payment:
        annotations.append(t(lang, "ivc.ann.split"))
    if invoice.reverse_charge_annotation:
        annotations.append(t(lang, "ivc.ann.reverse"))
    if annotations:
        facts.append(t(lang, "ivc.preview.annotations", items=", ".join(annotations)))
    elif any(line.vat_rate is VatRate.NP_I for line in invoice.lines):
        facts.append(t(lang, "ivc.preview.np_hint"))
    return facts


# ----------------------------------------------------------------------------------------------- keyboards

def _button(lang: str, key: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(lang, key), callback_data=data)


def preview_keyboard(lang: str, version: str, *, ask_split: bool) -> InlineKeyboardMarkup:
    """Confirm / Add / Edit / More / Offline / Cancel; while the split-payment question is open its two
    answers replace Confirm and Offline (nothing is issued before it is answered)."""
    rows: list[list[InlineKeyboardButton]] = []
    if ask_split:
        rows.append([_button(lang, "ivc.btn.split_yes", f"iv:sp:y:{version}"),
                     _button(lang, "ivc.btn.split_no", f"iv:sp:n:{version}")])
    else:
        rows.append([_button(lang, "iv.btn.confirm", f"iv:ok:{version}")])
    rows.append([_button(lang, "iv.btn.add", f"iv:add:{version}"),
                 _button(lang, "iv.btn.edit", f"iv:ed:{version}")])
    more = [_button(lang, "ivc.btn.more", f"iv:mo:{version}")]
    if not ask_split:
        more.append(_button(lang, "iv.btn.offline", f"iv:off:{version}"))
    rows.append(more)
    rows.append([_button(lang, "iv.btn.cancel", "iv:no")])
    return InlineKeyboardMarkup(rows)


def options_keyboard(lang: str, draft: Draft, version: str, *, vat_exempt: bool) -> InlineKeyboardMarkup:
    """The rarer fields, two buttons a row (a phone's width)."""
    def b(key: str, what: str) -> InlineKeyboardButton:
        return _button(lang, key, f"iv:o:{what}:{version}")

    rows = [[b("ivc.opt.sale_date", "sd"), b("ivc.opt.period", "pe")],
            [b("ivc.opt.payment", "pm"), b("ivc.opt.term", "te")],
            [b("ivc.opt.account", "ac"), b("ivc.opt.currency", "cu")]]
    extra = []
    if not vat_exempt:
        extra.append(b("ivc.opt.to_net" if draft.gross_prices else "ivc.opt.to_gross", "pr"))
        extra.append(b("ivc.opt.split_off" if draft.split_payment else "ivc.opt.split_on", "mp"))
    if any(line.rate is VatRate.NP_I for line in draft.lines):
        extra.append(b("ivc.opt.reverse_off" if draft.reverse_charge else "ivc.opt.reverse_on", "rc"))
    rows.extend(extra[i:i + 2] for i in range(0, len(extra), 2))
    rows.append([b("ivc.btn.back", "bk")])
    return InlineKeyboardMarkup(rows)


def choices_keyboard(lang: str, prefix: str, choices: Sequence[tuple[str, str]], version: str, *,
                     per_row: int = 3) -> InlineKeyboardMarkup:
    """Buttons ``(label, value)`` sending ``iv:<prefix>:<value>:<version>``, then "back to the preview"."""
    buttons = [InlineKeyboardButton(label, callback_data=f"iv:{prefix}:{value}:{version}")
               for label, value in choices]
    rows = [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]
    rows.append([_button(lang, "ivc.btn.back", f"iv:o:bk:{version}")])
    return InlineKeyboardMarkup(rows)


def line_fields_keyboard(lang: str, index: int, version: str) -> InlineKeyboardMarkup:
    def b(key: str, field: str) -> InlineKeyboardButton:
        return _button(lang, key, f"iv:lf:{index}:{field}:{version}")

    return InlineKeyboardMarkup([
        [b("ivc.btn.f.name", "name"), b("ivc.btn.f.qty", "qty")],
        [b("ivc.btn.f.price", "price"), b("ivc.btn.f.rate", "rate")],
        [b("ivc.btn.whole_line", "line"), b("ivc.btn.f.delete", "del")],
        [_button(lang, "ivc.btn.back", f"iv:o:bk:{version}")],
    ])


def rate_label(rate: VatRate) -> str:
    return rate.label if rate is not VatRate.NP_I else "np."
