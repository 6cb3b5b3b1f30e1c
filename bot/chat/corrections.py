"""Correcting an issued invoice by chat (``Koryguj`` on its card): choose what changes, give the reason,
see the preview (before, after, difference and what the buyer gets back or pays), confirm.

The dialogue keeps a :class:`~bot.services.sales.spec.CorrectionSpec`; every edit is checked by building
the correction at once (the library's own refusals: nothing changes, below zero…), so nothing half-made
is kept. Confirm carries the preview's version: a Confirm of an older preview is answered with the
current one. The stored correction then goes through the issuing lifecycle like any invoice.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import issuing
from bot.chat.common import Context, ids, send
from bot.chat.sales_buttons import RATES, Action, KorAction, KorVerb, kor_data
from bot.i18n import clip, esc, fmt_money, t
from bot.pacing import Priority
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.issuing import InvoiceState, IssuedView
from bot.services.issuing.parsing import check_buyer_nip, read_line
from bot.services.sales.corrections import CorrectionPreview, CorrectionTarget, StalePreview
from bot.services.sales.spec import CorrectionMode, CorrectionSpec, LineEdit
from bot.services.seller_profile import check_address
from ksef.amounts import format_quantity
from ksef.errors import InvoiceDataError, KsefValidationError
from ksef.fa3 import Buyer, InvoiceLine, VatRate, compute_totals, line_value
from ksef.plinput import PriceKind, parse_amount_input, parse_quantity_input

log = logging.getLogger(__name__)

FLOW = "correct"
MAX_BUTTON_LINES = 40
# PrzyczynaKorekty is printed on the correction, which is a Polish document: offered in Polish always.
QUICK_REASONS = ("Błędna cena", "Błędna ilość", "Zwrot towaru", "Rabat", "Błędna stawka VAT",
                 "Błędne dane nabywcy", "Anulowanie faktury")
_ZERO = re.compile(r"0+(?:[.,]0+)?(?:\s*\S+)?")


@dataclass(frozen=True)
class Correcting:
    """The dialogue's data: the spec so far and the position an answer is typed for."""

    spec: CorrectionSpec
    line: int | None = None
    buyer_name: str | None = None  # typed, while the address is asked

    @classmethod
    def of(cls, dialog: Dialog) -> Correcting:
        line = dialog.data.get("line")
        return cls(CorrectionSpec.from_json(dialog.data["spec"]), int(line) if line is not None else None,
                   dialog.data.get("buyer_name"))

    def data(self) -> dict[str, Any]:
        return {"spec": self.spec.to_json(), "line": self.line, "buyer_name": self.buyer_name}


async def _save(context: Context, chat_id: int, user_id: int, step: str, state: Correcting) -> None:
    await context.services.dialogs.set(chat_id, user_id, Dialog(FLOW, step, state.data()))


def _money(lang: str, amount: Decimal, currency: str) -> str:
    return fmt_money(lang, amount, currency)


def _short(text: str, limit: int = 60) -> str:
    """A line's name on one line, without invisible controls (it may come from a pasted text)."""
    return clip(text, limit)


def _values_text(lang: str, line: InvoiceLine, currency: str) -> str:
    """``40 m2 × 25,00 zł = 1 000,00 zł (23%)``."""
    return t(lang, "kr.values", qty=format_quantity(line.quantity), unit=esc(line.unit or ""),
             price=_money(lang, line.unit_price, currency), value=_money(lang, line_value(line), currency),
             rate=esc(line.vat_rate.label))


def _line_text(lang: str, line: InvoiceLine, currency: str) -> str:
    return esc(_short(line.name)) + " — " + _values_text(lang, line, currency)


def _buyer_text(buyer: Buyer) -> str:
    parts = [esc(buyer.name)]
    if buyer.nip:
        parts.append(f"NIP {esc(buyer.nip)}")
    if buyer.address:
        parts.append(esc(", ".join(buyer.address)))
    return ", ".join(parts)


# ------------------------------------------------------------------------------------------ starting

async def start(context: Context, user_id: int, chat_id: int, lang: str, invoice_id: int) -> None:
    """``Koryguj`` on a card: what the invoice is now, and what may change."""
    try:
        target = await context.services.corrections.target(user_id, invoice_id)
    except ServiceError as exc:
        await send(context, chat_id, issuing.error_message(lang, exc))
        return
    state = Correcting(CorrectionSpec(corrects_id=target.head.id))
    await _save(context, chat_id, user_id, "menu", state)
    await _menu(context, chat_id, lang, target, state.spec)


async def _menu(context: Context, chat_id: int, lang: str, target: CorrectionTarget,
                spec: CorrectionSpec) -> None:
    invoice = target.state
    currency = invoice.currency
    lines = [t(lang, "kr.menu_title", number=esc(target.root.number))]
    if target.head.id != target.root.id:
        lines.append(t(lang, "kr.after_correction", number=esc(target.head.number)))
    lines.append(t(lang, "kr.prices_gross" if invoice.prices_gross else "kr.prices_net"))
    lines += [f"{n.number}. " + _line_text(lang, n.line, currency) for n in invoice.lines]
    lines.append(t(lang, "kr.buyer_now", buyer=_buyer_text(invoice.buyer)))
    if not spec.empty:
        lines.append(t(lang, "kr.pending", changes=_pending(lang, spec, target)))
    lines.append(t(lang, "kr.menu_ask"))
    await send(context, chat_id, "\n".join(lines), _menu_keyboard(lang, target, spec))


def _pending(lang: str, spec: CorrectionSpec, target: CorrectionTarget) -> str:
    if spec.mode is CorrectionMode.ZERO:
        return t(lang, "kr.pending_zero")
    if spec.mode is CorrectionMode.NIP:
        return t(lang, "kr.pending_nip", nip=esc(spec.buyer_nip or ""))
    items = []
    for edit in spec.lines:
        what = []
        if edit.quantity is not None:
            what.append(t(lang, "kr.what_qty", value=format_quantity(edit.quantity)))
        if edit.unit_price is not None:
            what.append(t(lang, "kr.what_price", value=_money(lang, edit.unit_price, target.state.currency)))
        if edit.vat_rate is not None:
            what.append(t(lang, "kr.what_rate", value=esc(VatRate(edit.vat_rate).label)))
        items.append(t(lang, "kr.pending_line", no=edit.number, what=", ".join(what)))
    items += [t(lang, "kr.pending_removed", no=n) for n in spec.removed]
    items += [t(lang, "kr.pending_added", name=esc(_short(a.name))) for a in spec.added]
    if spec.buyer_name is not None or spec.buyer_address is not None:
        items.append(t(lang, "kr.pending_buyer"))
    return "; ".join(items)


def _menu_keyboard(lang: str, target: CorrectionTarget, spec: CorrectionSpec) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t(lang, "kr.btn.line", no=n.number, name=_short(n.line.name, 24)),
                                    callback_data=kor_data(KorVerb.LINE, n.number))
               for n in target.state.lines[:MAX_BUTTON_LINES]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    for index, added in enumerate(spec.added):
        rows.append([InlineKeyboardButton(t(lang, "kr.btn.drop_added", name=_short(added.name, 30)),
                                          callback_data=kor_data(KorVerb.REMOVE_ADDED, index))])
    rows.append([InlineKeyboardButton(t(lang, "kr.btn.add"), callback_data=kor_data(KorVerb.ADD)),
                 InlineKeyboardButton(t(lang, "kr.btn.buyer"), callback_data=kor_data(KorVerb.BUYER))])
    rows.append([InlineKeyboardButton(t(lang, "kr.btn.nip"), callback_data=kor_data(KorVerb.NIP)),
                 InlineKeyboardButton(t(lang, "kr.btn.zero"), callback_data=kor_data(KorVerb.ZERO))])
    last = [InlineKeyboardButton(t(lang, "kr.btn.cancel"), callback_data=kor_data(KorVerb.CANCEL))]
    if not spec.empty:
        preview = InlineKeyboardButton(t(lang, "kr.btn.preview"), callback_data=kor_data(KorVerb.PREVIEW))
        last.insert(0, preview)
    rows.append(last)
    return InlineKeyboardMarkup(rows)


def _back_row(lang: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t(lang, "kr.btn.back"), callback_data=kor_data(KorVerb.MENU)),
            InlineKeyboardButton(t(lang, "kr.btn.cancel"), callback_data=kor_data(KorVerb.CANCEL))]


# ------------------------------------------------------------------------------------------ buttons

async def on_callback(update: Update, context: Context, lang: str, action: Action) -> None:
    """Every ``kr:…`` button (parsed by ``bot.chat.sales_buttons``); only in a correction dialogue."""
    user_id, chat_id = ids(update)
    svc = context.services
    dialog = await svc.dialogs.get(chat_id)
    if not isinstance(action, KorAction) or dialog is None or dialog.flow != FLOW:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    state = Correcting.of(dialog)
    if action.verb is KorVerb.CANCEL:
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "kr.cancelled"))
        return
    if action.verb in (KorVerb.CONFIRM, KorVerb.OFFLINE):
        assert action.version is not None
        await _confirm(context, user_id, chat_id, lang, state, action.version,
                       offline=action.verb is KorVerb.OFFLINE)
        return
    try:
        target = await svc.corrections.target(user_id, state.spec.corrects_id)
    except ServiceError as exc:
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, issuing.error_message(lang, exc))
        return
    if target.head.id != state.spec.corrects_id:
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "kr.changed_meanwhile"))
        return
    await _button(context, user_id, chat_id, lang, state, target, action)


async def _button(context: Context, user_id: int, chat_id: int, lang: str, state: Correcting,
                  target: CorrectionTarget, action: KorAction) -> None:
    spec, verb, number = state.spec, action.verb, action.number
    invoice = target.state
    known = {n.number: n.line for n in invoice.lines}
    if number is not None and verb in (KorVerb.LINE, KorVerb.QUANTITY, KorVerb.PRICE, KorVerb.RATE,
                                       KorVerb.SET_RATE, KorVerb.REMOVE) and number not in known:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    if verb is KorVerb.MENU:
        await _save(context, chat_id, user_id, "menu", Correcting(spec))
        await _menu(context, chat_id, lang, target, spec)
    elif verb is KorVerb.LINE:
        assert number is not None
        def button(key: str, verb: KorVerb) -> InlineKeyboardButton:
            return InlineKeyboardButton(t(lang, key), callback_data=kor_data(verb, number))

        rows = [[button("kr.btn.qty", KorVerb.QUANTITY), button("kr.btn.price", KorVerb.PRICE)]]
        second = [button("kr.btn.remove", KorVerb.REMOVE)]
        if not invoice.seller.vat_exempt:
            second.insert(0, button("kr.btn.rate", KorVerb.RATE))
        rows += [second, _back_row(lang)]
        text = t(lang, "kr.line_menu", no=number, line=_line_text(lang, known[number], invoice.currency))
        await send(context, chat_id, text, InlineKeyboardMarkup(rows))
    elif verb in (KorVerb.QUANTITY, KorVerb.PRICE):
        assert number is not None
        line = known[number]
        step = "qty" if verb is KorVerb.QUANTITY else "price"
        await _save(context, chat_id, user_id, step, Correcting(spec, number))
        if step == "qty":
            text = t(lang, "kr.ask_qty", no=number, qty=format_quantity(line.quantity),
                     unit=esc(line.unit or ""))
        else:
            text = t(lang, "kr.ask_price_gross" if invoice.prices_gross else "kr.ask_price_net", no=number,
                     price=_money(lang, line.unit_price, invoice.currency), unit=esc(line.unit or ""))
        await send(context, chat_id, text, InlineKeyboardMarkup([_back_row(lang)]))
    elif verb is KorVerb.RATE:
        assert number is not None
        buttons = [InlineKeyboardButton(VatRate(rate).label, callback_data=kor_data(KorVerb.SET_RATE, number,
                                                                                   rate=rate))
                   for rate in RATES]
        text = t(lang, "kr.ask_rate", no=number, rate=esc(known[number].vat_rate.label))
        await send(context, chat_id, text, InlineKeyboardMarkup([buttons, _back_row(lang)]))
    elif verb is KorVerb.SET_RATE:
        assert number is not None and action.rate is not None
        await _apply(context, user_id, chat_id, lang, spec.with_line(LineEdit(number, vat_rate=action.rate)))
    elif verb is KorVerb.REMOVE:
        assert number is not None
        await _apply(context, user_id, chat_id, lang, spec.without_line(number))
    elif verb is KorVerb.REMOVE_ADDED:
        assert number is not None
        if number >= len(spec.added):
            await send(context, chat_id, t(lang, "stale_button"))
            return
        changed = spec.without_added(number)
        await _save(context, chat_id, user_id, "menu", Correcting(changed))
        await _menu(context, chat_id, lang, target, changed)
    elif verb is KorVerb.ADD:
        await _save(context, chat_id, user_id, "add", Correcting(spec))
        key = "kr.ask_add_gross" if invoice.prices_gross else "kr.ask_add_net"
        rate = "zw" if invoice.seller.vat_exempt else "23%"
        await send(context, chat_id, t(lang, key, rate=rate), InlineKeyboardMarkup([_back_row(lang)]))
    elif verb is KorVerb.BUYER:
        await _save(context, chat_id, user_id, "buyer_name", Correcting(spec))
        await send(context, chat_id, t(lang, "kr.ask_buyer_name", name=esc(invoice.buyer.name)),
                   InlineKeyboardMarkup([_back_row(lang)]))
    elif verb is KorVerb.NIP:
        await _save(context, chat_id, user_id, "nip", Correcting(spec))
        await send(context, chat_id, t(lang, "kr.ask_nip", nip=esc(invoice.buyer.nip or "—")),
                   InlineKeyboardMarkup([_back_row(lang)]))
    elif verb is KorVerb.ZERO:
        await _apply(context, user_id, chat_id, lang, spec.to_zero())
    elif verb is KorVerb.REASON:
        await _ask_reason(context, user_id, chat_id, lang, spec)
    elif verb is KorVerb.QUICK_REASON:
        assert number is not None
        if number >= len(QUICK_REASONS):
            await send(context, chat_id, t(lang, "stale_button"))
            return
        await _apply(context, user_id, chat_id, lang, spec.with_reason(QUICK_REASONS[number]))
    elif verb is KorVerb.PREVIEW:
        await _apply(context, user_id, chat_id, lang, spec)


async def _ask_reason(context: Context, user_id: int, chat_id: int, lang: str, spec: CorrectionSpec) -> None:
    await _save(context, chat_id, user_id, "reason", Correcting(spec))
    buttons = [InlineKeyboardButton(reason, callback_data=kor_data(KorVerb.QUICK_REASON, i))
               for i, reason in enumerate(QUICK_REASONS)]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append(_back_row(lang))
    await send(context, chat_id, t(lang, "kr.ask_reason"), InlineKeyboardMarkup(rows))


async def _apply(context: Context, user_id: int, chat_id: int, lang: str, spec: CorrectionSpec, *,
                 typed: bool = False) -> None:
    """Keep ``spec`` only when the correction it asks for can be made; then the reason or the preview.

    A refused typed answer (``typed``) leaves the question open, so the user types again; a refused
    button goes back to the choices."""
    svc = context.services
    try:
        preview = await svc.corrections.preview(user_id, spec)
    except StalePreview:
        await svc.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "kr.changed_meanwhile"))
        return
    except ServiceError as exc:
        if typed:
            await send(context, chat_id, issuing.error_message(lang, exc))
            return
        dialog = await svc.dialogs.get(chat_id)
        previous = Correcting.of(dialog).spec if dialog is not None and dialog.flow == FLOW else spec
        await _save(context, chat_id, user_id, "menu", Correcting(previous))
        target = await svc.corrections.target(user_id, previous.corrects_id)
        await send(context, chat_id, issuing.error_message(lang, exc))
        await _menu(context, chat_id, lang, target, previous)
        return
    if not spec.reason:
        await _ask_reason(context, user_id, chat_id, lang, spec)
        return
    await _save(context, chat_id, user_id, "preview", Correcting(spec))
    await send(context, chat_id, preview_text(lang, preview), preview_keyboard(lang, preview))


# ------------------------------------------------------------------------------------------ the preview

def preview_text(lang: str, preview: CorrectionPreview) -> str:
    correction, target = preview.correction, preview.target
    currency = correction.after.currency
    head = target.head
    out = [t(lang, "kr.preview_title", number=esc(head.number),
             ksef=esc(head.ksef_number) if head.ksef_number else t(lang, "kr.no_ksef_yet"),
             pattern=esc(preview.pattern))]
    out.append(t(lang, "kr.preview_reason", reason=esc(preview.correction.reason)))
    for change in correction.changes:
        name = esc(_short(change.after.name))
        if change.added:
            out.append(t(lang, "kr.change_added", no=change.number, name=name,
                         after=_values_text(lang, change.after, currency)))
        elif change.removed:
            assert change.before is not None
            out.append(t(lang, "kr.change_removed", no=change.number, name=name,
                         before=_values_text(lang, change.before, currency)))
        else:
            assert change.before is not None
            out.append(t(lang, "kr.change", no=change.number, name=name,
                         before=_values_text(lang, change.before, currency),
                         after=_values_text(lang, change.after, currency)))
        out.append(t(lang, "kr.change_difference", value=_money(lang, change.difference, currency)))
    if correction.buyer_changed:
        out.append(t(lang, "kr.change_buyer", before=_buyer_text(correction.before.buyer),
                     after=_buyer_text(correction.after.buyer)))
    out.append(t(lang, "kr.preview_totals", net=_money(lang, correction.net, currency),
                 vat=_money(lang, correction.vat, currency), gross=_money(lang, correction.gross, currency)))
    if correction.gross < 0:
        out.append(t(lang, "kr.buyer_gets_back", amount=_money(lang, -correction.gross, currency)))
    elif correction.gross > 0:
        out.append(t(lang, "kr.buyer_pays", amount=_money(lang, correction.gross, currency)))
    else:
        out.append(t(lang, "kr.amount_same"))
    if preview.replacement is not None:
        replacement = preview.replacement
        out.append(t(lang, "kr.replacement", nip=esc(replacement.buyer.nip or ""),
                     gross=_money(lang, compute_totals(replacement).gross, currency)))
    if target.waits:
        out.append(t(lang, "kr.waits", number=esc(head.number)))
    return "\n".join(out)


def preview_keyboard(lang: str, preview: CorrectionPreview) -> InlineKeyboardMarkup:
    version = preview.version
    first = [InlineKeyboardButton(t(lang, "kr.btn.confirm"), callback_data=kor_data(KorVerb.CONFIRM,
                                                                                    version=version))]
    if not preview.target.waits:
        first.append(InlineKeyboardButton(t(lang, "kr.btn.offline"), callback_data=kor_data(KorVerb.OFFLINE,
                                                                                            version=version)))
    return InlineKeyboardMarkup([
        first,
        [InlineKeyboardButton(t(lang, "kr.btn.more"), callback_data=kor_data(KorVerb.MENU)),
         InlineKeyboardButton(t(lang, "kr.btn.reason"), callback_data=kor_data(KorVerb.REASON))],
        [InlineKeyboardButton(t(lang, "kr.btn.cancel"), callback_data=kor_data(KorVerb.CANCEL))],
    ])


async def _confirm(context: Context, user_id: int, chat_id: int, lang: str, state: Correcting, version: str,
                   *, offline: bool) -> None:
    """Store the correction (it is what the preview of ``version`` showed), then send it as any invoice."""
    svc = context.services
    spec = state.spec
    if not spec.reason:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    # The dialogue goes first: a crash after storing must not leave a Confirm that would store it twice.
    await svc.dialogs.clear(chat_id)
    try:
        prepared = await svc.corrections.prepare(user_id, chat_id, spec, version, lang)
    except StalePreview as stale:
        if stale.current is None:
            await send(context, chat_id, t(lang, "kr.changed_meanwhile"))
            return
        await _save(context, chat_id, user_id, "preview", state)
        await send(context, chat_id, t(lang, "kr.stale_preview"))
        await send(context, chat_id, preview_text(lang, stale.current), preview_keyboard(lang, stale.current))
        return
    except ServiceError as exc:
        await _save(context, chat_id, user_id, "preview", state)
        await send(context, chat_id, issuing.error_message(lang, exc))
        return
    correction = prepared.correction
    if correction.state is InvoiceState.HELD:
        # Its news (accepted, or rejected with the corrected invoice) comes through the outbox later.
        await send(context, chat_id, t(lang, "kr.held", number=esc(correction.number)))
    else:
        await _send(context, correction, offline=offline)
    if prepared.replacement is not None:
        await _send(context, prepared.replacement, offline=offline)


async def _send(context: Context, view: IssuedView, *, offline: bool) -> None:
    """As a confirmed invoice: "sending…", then the result and documents through the outbox at once."""
    svc = context.services
    with svc.issuing.handled_in_chat(view.id):
        key = "iv.sending_offline" if offline else "iv.sending"
        await send(context, view.chat_id, t(view.language, key, number=esc(view.number)))
        view = await svc.issuing.issue(view.id, offline=offline)
        rows = await svc.issuing.announce(view.id, chosen_offline=offline, priority=Priority.INTERACTIVE)
    await context.runtime.outbox.dispatch_now(rows)


# ------------------------------------------------------------------------------------------ typed answers

def _new_quantity(text: str) -> Decimal:
    """A corrected quantity: 0 removes the position; a minus sign is read (the library refuses it clearly)."""
    cleaned = text.strip()
    if _ZERO.fullmatch(cleaned):
        return Decimal(0)
    if cleaned.startswith(("-", "−")):
        return -parse_quantity_input(cleaned[1:]).quantity
    return parse_quantity_input(cleaned).quantity


# The steps that wait for a typed answer (the others are answered with buttons).
TYPED_STEPS = ("qty", "price", "add", "buyer_name", "buyer_address", "nip", "reason")


async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    # effective_message: also the edit of a refused answer (``bot.chat.edits``)
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    text = update.effective_message.text.strip()
    state = Correcting.of(dialog)
    spec = state.spec
    svc = context.services
    try:
        if dialog.step == "qty" and state.line is not None:
            await _apply(context, user_id, chat_id, lang,
                         spec.with_line(LineEdit(state.line, quantity=_new_quantity(text))), typed=True)
        elif dialog.step == "price" and state.line is not None:
            target = await svc.corrections.target(user_id, spec.corrects_id)
            typed = parse_amount_input(text, max_decimals=8)
            _check_price_terms(typed.kind, typed.currency, target)
            await _apply(context, user_id, chat_id, lang,
                         spec.with_line(LineEdit(state.line, unit_price=typed.amount)), typed=True)
        elif dialog.step == "add":
            target = await svc.corrections.target(user_id, spec.corrects_id)
            profile = await svc.issuing.profile(target.root.company_id)
            typed_line = read_line(text, "zw" if target.state.seller.vat_exempt else profile.default_rate)
            _check_price_terms(typed_line.kind, typed_line.currency, target)
            await _apply(context, user_id, chat_id, lang, spec.with_added(typed_line.line), typed=True)
        elif dialog.step == "buyer_name":
            name = None if text == "-" else _buyer_name(text)
            await _save(context, chat_id, user_id, "buyer_address", Correcting(spec, buyer_name=name))
            target = await svc.corrections.target(user_id, spec.corrects_id)
            address = ", ".join(target.state.buyer.address) or "—"
            await send(context, chat_id, t(lang, "kr.ask_buyer_address", address=esc(address)),
                       InlineKeyboardMarkup([_back_row(lang)]))
        elif dialog.step == "buyer_address":
            new_address = None if text == "-" else tuple(check_address(text))
            await _apply(context, user_id, chat_id, lang, spec.with_buyer(state.buyer_name, new_address),
                         typed=True)
        elif dialog.step == "nip":
            await _apply(context, user_id, chat_id, lang, spec.with_nip(check_buyer_nip(text)), typed=True)
        elif dialog.step == "reason":
            reason = " ".join(text.split())
            if not reason or len(reason) > 256:
                raise ServiceError("kor_reason_length")
            await _apply(context, user_id, chat_id, lang, spec.with_reason(reason), typed=True)
        else:
            await send(context, chat_id, t(lang, "use_buttons"))
    except KsefValidationError as exc:
        await send(context, chat_id, esc(str(exc)))
    except ServiceError as exc:
        await send(context, chat_id, issuing.error_message(lang, exc))


def _check_price_terms(kind: PriceKind | None, currency: str | None, target: CorrectionTarget) -> None:
    """A price typed as netto/brutto or in a currency must match the corrected invoice (a correction
    keeps its pricing method and currency)."""
    gross = target.state.prices_gross
    if kind is not None and (kind is PriceKind.GROSS) != gross:
        raise ServiceError("kor_price_kind_gross" if gross else "kor_price_kind_net")
    if currency is not None and currency != target.state.currency:
        raise ServiceError("kor_currency", currency=target.state.currency)


def _buyer_name(text: str) -> str:
    try:
        return Buyer(name=text).name
    except InvoiceDataError as exc:
        raise ServiceError("invoice_data", user_message=exc.message) from None


async def set_pattern(context: Context, user_id: int, chat_id: int, lang: str, company_id: int,
                      text: str) -> None:
    """``/profil korekty <wzorzec>``: the corrections' numbering series (without one: the current)."""
    svc = context.services
    try:
        if not text.strip():
            profile = await svc.issuing.profile(company_id)
            await send(context, chat_id, t(lang, "kr.pattern_now", pattern=esc(profile.correction_pattern)))
            return
        profile = await svc.profiles.set_correction_pattern(user_id, company_id, text)
    except ServiceError as exc:
        await send(context, chat_id, issuing.error_message(lang, exc))
        return
    await send(context, chat_id, t(lang, "kr.pattern_saved", pattern=esc(profile.correction_pattern)))
