"""``/sprzedaz`` (``/wystawione``, ``/sales``): the register of issued invoices (paged and filtered in one
message edited in place), the invoice card and its buttons (PDF, XML, UPO, issue again, correct, paid).

Everything shown comes from what the bot stored; only the UPO is fetched from KSeF, once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import BadRequest

from bot.chat import corrections, issuing
from bot.chat.common import Context, active_company, error_text, ids, send
from bot.chat.common import language as language_for
from bot.chat.sales_buttons import (
    Action,
    CardAction,
    CardVerb,
    Chooser,
    ListAction,
    SearchAction,
    card_data,
    list_data,
    search_data,
)
from bot.i18n import clip, esc, fmt_date, fmt_datetime, fmt_money, t
from bot.i18n.limits import shorten
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.issuing import InvoiceState
from bot.services.sales.payments import PaymentState, PaymentStatus
from bot.services.sales.register import PAGE_SIZE, SalesCard, SalesPage, SalesQuery, SalesRow, StateFilter
from ksef.errors import KsefValidationError
from ksef.plinput import parse_amount_input
from ksef.upo import UpoParseError, parse_upo

log = logging.getLogger(__name__)

FLOW = "sales"
MAX_SEARCH = 40  # characters of a typed search that are used
MONTH_NAMES = {"pl": ("styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
                      "wrzesień", "październik", "listopad", "grudzień"),
               "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                      "October", "November", "December")}


def month_name(lang: str, year: int, month: int) -> str:
    return f"{MONTH_NAMES.get(lang, MONTH_NAMES['pl'])[month - 1]} {year}"


def money(lang: str, amount: Decimal, currency: str) -> str:
    return fmt_money(lang, amount, currency)


# ------------------------------------------------------------------------------------------ the list

def state_text(lang: str, state: InvoiceState) -> str:
    return t(lang, f"sa.state.{state.value}")


def payment_text(lang: str, status: PaymentStatus, today_overdue: bool = False) -> str:
    """E.g. "niezapłacona", "zapłacona 5 grudnia 2026", "zapłacono 500,00 zł z 1 230,00 zł"."""
    if status.state is PaymentState.PAID:
        return t(lang, "sa.pay.paid", date=fmt_date(lang, status.last_paid_on) if status.last_paid_on else "")
    if status.state is PaymentState.PARTLY:
        partly = t(lang, "sa.pay.partly", paid=money(lang, status.paid, status.currency),
                   due=money(lang, status.due, status.currency))
        return partly + (" · " + t(lang, "sa.pay.overdue") if today_overdue else "")
    if status.state is PaymentState.NOTHING_DUE:
        return t(lang, "sa.pay.nothing_due")
    return t(lang, "sa.pay.overdue" if today_overdue else "sa.pay.unpaid")


def _overdue(status: PaymentStatus | None, context: Context) -> bool:
    if status is None or status.due_date is None or status.remaining_minor <= 0:
        return False
    return status.due_date < context.services.payments.today()


def _row_text(context: Context, lang: str, index: int, row: SalesRow) -> str:
    kind = t(lang, "sa.kind_kor") + " " if row.kind == "KOR" else ""
    extra = state_text(lang, row.state)
    if row.payment is not None and row.state is not InvoiceState.REJECTED:
        extra += " · " + payment_text(lang, row.payment, _overdue(row.payment, context))
    return t(lang, "sa.row", no=index, kind=kind, number=esc(row.number),
             date=row.issue_date.strftime("%d.%m.%Y"), buyer=esc(clip(row.buyer_name or "—", 40)),
             amount=money(lang, row.gross, row.currency), extra=extra)


def _filters_text(lang: str, query: SalesQuery) -> str:
    parts = []
    if query.month:
        parts.append(month_name(lang, *query.month))
    if query.state:
        parts.append(t(lang, f"sa.filter.{query.state.value}"))
    if query.buyer_nip:
        parts.append(t(lang, "sa.filter.buyer", nip=esc(query.buyer_nip)))
    if query.search:
        parts.append(t(lang, "sa.filter.search", text=esc(query.search)))
    return " · ".join(parts)


def list_text(context: Context, lang: str, page: SalesPage) -> str:
    query = page.query
    filters = _filters_text(lang, query)
    head = t(lang, "sa.list_filters", filters=filters) if filters else ""
    if not page.rows:
        return t(lang, "sa.list_none" if query.filtered else "sa.list_empty", filters=head)
    first = query.page * PAGE_SIZE + 1
    key = "sa.list_header" if page.pages > 1 else "sa.list_header_one"
    lines = [t(lang, key, first=first, last=first + len(page.rows) - 1, total=page.total,
               page=query.page + 1, pages=page.pages)]
    if head:
        lines.append(head)
    lines += [_row_text(context, lang, first + i, row) for i, row in enumerate(page.rows)]
    return "\n".join(lines)


def list_keyboard(lang: str, page: SalesPage) -> InlineKeyboardMarkup:
    query = page.query
    first = query.page * PAGE_SIZE + 1
    rows = [[InlineKeyboardButton(f"{first + i}. {clip(row.number, 22)} · {clip(row.buyer_name, 16)}",
                                  callback_data=card_data(CardVerb.OPEN, row.id))]
            for i, row in enumerate(page.rows)]
    def button(key: str, target: SalesQuery, chooser: Chooser | None = None) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(lang, key), callback_data=list_data(target, chooser))

    nav = []
    if query.page > 0:
        nav.append(button("sa.btn.newer", query.at(query.page - 1)))
    if page.has_next:
        nav.append(button("sa.btn.older", query.at(query.page + 1)))
    if nav:
        rows.append(nav)
    rows.append([button("sa.btn.month", query, Chooser.MONTH), button("sa.btn.state", query, Chooser.STATE),
                 button("sa.btn.buyer", query, Chooser.BUYER)])
    last = [InlineKeyboardButton(t(lang, "sa.btn.search"), callback_data=search_data())]
    if query.filtered:
        last.append(InlineKeyboardButton(t(lang, "sa.btn.clear"), callback_data=list_data(SalesQuery())))
    rows.append(last)
    return InlineKeyboardMarkup(rows)


async def _show(context: Context, chat_id: int, text: str, markup: InlineKeyboardMarkup,
                edit_message_id: int | None) -> None:
    """Edit the message in place when there is one to edit, else send a new one."""
    if edit_message_id is not None:
        try:
            await context.bot.edit_message_text(shorten(text), chat_id, edit_message_id, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in str(exc).lower():
                return
            log.info("sales list not edited (%s); sending it anew", type(exc).__name__)
    await send(context, chat_id, text, markup)


async def show_list(context: Context, user_id: int, chat_id: int, lang: str, query: SalesQuery,
                    edit_message_id: int | None = None) -> None:
    company = await active_company(context, user_id, chat_id, lang, "err.no_company")
    if company is None:
        return
    try:
        page = await context.services.sales.page(user_id, company.id, query)
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))
        return
    await _show(context, chat_id, list_text(context, lang, page), list_keyboard(lang, page), edit_message_id)


async def _show_chooser(context: Context, user_id: int, chat_id: int, lang: str, query: SalesQuery,
                        chooser: Chooser, message_id: int | None) -> None:
    company = await active_company(context, user_id, chat_id, lang, "err.no_company")
    if company is None:
        return
    svc = context.services
    base = query.at(0)
    options: list[tuple[str, SalesQuery]] = []
    if chooser is Chooser.MONTH:
        for year, month in await svc.sales.months(user_id, company.id):
            options.append((month_name(lang, year, month), replace(base, month=(year, month))))
        options.append((t(lang, "sa.any_month"), replace(base, month=None)))
        title = t(lang, "sa.choose_month")
    elif chooser is Chooser.STATE:
        for state in StateFilter:
            options.append((t(lang, f"sa.filter.{state.value}"), replace(base, state=state)))
        options.append((t(lang, "sa.any_state"), replace(base, state=None)))
        title = t(lang, "sa.choose_state")
    else:
        for nip, name in await svc.sales.buyers(user_id, company.id):
            options.append((f"{clip(name, 28)} ({nip})", replace(base, buyer_nip=nip)))
        options.append((t(lang, "sa.any_buyer"), replace(base, buyer_nip=None)))
        title = t(lang, "sa.choose_buyer")
    rows = [[InlineKeyboardButton(label, callback_data=list_data(option))] for label, option in options]
    rows.append([InlineKeyboardButton(t(lang, "sa.btn.back"), callback_data=list_data(query))])
    await _show(context, chat_id, title, InlineKeyboardMarkup(rows), message_id)


async def command(update: Update, context: Context) -> None:
    """/sprzedaz [text]: the register, newest first; with a text, searched by number, buyer or NIP."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    search = " ".join(context.args or []).strip()[:MAX_SEARCH]
    await show_list(context, user_id, chat_id, lang, SalesQuery(search=search))


# ------------------------------------------------------------------------------------------ the card

def card_text(context: Context, lang: str, card: SalesCard) -> str:
    view = card.view
    title = t(lang, "sa.card_title_kor" if card.is_correction else "sa.card_title", number=esc(view.number))
    lines = [title]
    if card.corrects:
        lines.append(t(lang, "sa.card_corrects", number=esc(card.corrects)))
    buyer = esc(card.buyer_name or "—") + (f" (NIP {esc(card.buyer_nip)})" if card.buyer_nip else "")
    lines.append(t(lang, "sa.card_buyer", buyer=buyer))
    dates = t(lang, "sa.card_issued", date=fmt_date(lang, view.issue_date))
    if card.due_date and not card.is_correction:
        dates += " · " + t(lang, "sa.card_due", date=fmt_date(lang, card.due_date))
    lines.append(dates)
    key = "sa.card_amounts_kor" if card.is_correction else "sa.card_amounts"
    currency = card.currency
    lines.append(t(lang, key, net=money(lang, card.net, currency), vat=money(lang, card.vat, currency),
                   gross=money(lang, card.gross, currency)))
    lines.append(t(lang, "sa.card_state", state=state_text(lang, view.state)))
    if view.ksef_number:
        lines.append(t(lang, "sa.card_ksef", ksef_number=esc(view.ksef_number)))
    if view.state is InvoiceState.REJECTED and view.status_text:
        lines.append(t(lang, "sa.card_reason", reason=esc(clip(view.status_text, 300))))
    if card.payment is not None:
        status = card.payment
        text = payment_text(lang, status, _overdue(status, context))
        if status.state in (PaymentState.UNPAID, PaymentState.PARTLY):
            text += " — " + t(lang, "sa.card_left", amount=money(lang, status.remaining, status.currency))
        lines.append(t(lang, "sa.card_payment", payment=text))
    if card.corrections:
        lines.append(t(lang, "sa.card_corrections", numbers=esc(", ".join(card.corrections))))
    return "\n".join(lines)


def card_keyboard(lang: str, card: SalesCard) -> InlineKeyboardMarkup:
    invoice_id = card.view.id
    built = card.view.state is not InvoiceState.HELD

    def button(key: str, verb: CardVerb, payment_id: int | None = None) -> InlineKeyboardButton:
        return InlineKeyboardButton(t(lang, key), callback_data=card_data(verb, invoice_id, payment_id))

    rows = []
    files = [button("sa.btn.pdf", CardVerb.PDF), button("sa.btn.xml", CardVerb.XML)] if built else []
    if card.view.ksef_number:
        files.append(button("sa.btn.upo", CardVerb.UPO))
    if files:
        rows.append(files)
    actions = []
    if not card.is_correction:
        actions.append(button("sa.btn.again", CardVerb.AGAIN))
    if card.view.state is not InvoiceState.REJECTED:
        actions.append(button("sa.btn.correct", CardVerb.CORRECT))
    if actions:
        rows.append(actions)
    status = card.payment
    if status is not None:
        pay = []
        if status.remaining_minor > 0:
            pay += [button("sa.btn.paid", CardVerb.PAID), button("sa.btn.part", CardVerb.PART)]
        if status.last_payment_id is not None:
            pay.append(button("sa.btn.undo", CardVerb.UNDO, status.last_payment_id))
        if pay:
            rows.append(pay)
    return InlineKeyboardMarkup(rows)


async def show_card(context: Context, user_id: int, chat_id: int, lang: str, invoice_id: int,
                    edit_message_id: int | None = None, note: str = "") -> None:
    try:
        card = await context.services.sales.card(user_id, invoice_id)
    except ServiceError:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    text = (note + "\n\n" if note else "") + card_text(context, lang, card)
    await _show(context, chat_id, text, card_keyboard(lang, card), edit_message_id)


# ------------------------------------------------------------------------------------------ buttons

async def on_callback(update: Update, context: Context, lang: str, action: Action) -> None:
    """Every ``sa:…`` button, parsed into a typed action by ``bot.chat.sales_buttons`` (the registry of
    ``bot.chat.callbacks`` routes only what parsed)."""
    query = update.callback_query
    assert query is not None
    user_id, chat_id = ids(update)
    message_id = query.message.message_id if query.message is not None else None
    if isinstance(action, ListAction):
        if action.chooser is None:
            await show_list(context, user_id, chat_id, lang, action.query, message_id)
        else:
            await _show_chooser(context, user_id, chat_id, lang, action.query, action.chooser, message_id)
    elif isinstance(action, SearchAction):
        await context.services.dialogs.set(chat_id, user_id, Dialog(FLOW, "search", {}))
        await send(context, chat_id, t(lang, "sa.ask_search"))
    elif isinstance(action, CardAction):
        await _card_action(context, user_id, chat_id, lang, action, message_id)
    else:
        await send(context, chat_id, t(lang, "stale_button"))


async def _card_action(context: Context, user_id: int, chat_id: int, lang: str, action: CardAction,
                       message_id: int | None) -> None:
    svc = context.services
    invoice_id = action.invoice_id
    try:
        if action.verb is CardVerb.OPEN:
            await show_card(context, user_id, chat_id, lang, invoice_id)
        elif action.verb in (CardVerb.PDF, CardVerb.XML):
            await _send_file(context, user_id, chat_id, lang, invoice_id, pdf=action.verb is CardVerb.PDF)
        elif action.verb is CardVerb.UPO:
            await send_upo(context, user_id, chat_id, lang, invoice_id)
        elif action.verb is CardVerb.AGAIN:
            await issuing.issue_again(context, chat_id, user_id, lang, invoice_id)
        elif action.verb is CardVerb.CORRECT:
            await corrections.start(context, user_id, chat_id, lang, invoice_id)
        elif action.verb is CardVerb.PAID:
            recorded = await svc.payments.mark_paid(user_id, invoice_id)
            note = t(lang, "sa.marked_paid", amount=money(lang, Decimal(recorded.amount_minor) / 100,
                                                          recorded.status.currency))
            await show_card(context, user_id, chat_id, lang, invoice_id, message_id, note)
        elif action.verb is CardVerb.PART:
            card = await svc.sales.card(user_id, invoice_id)
            left = card.payment.remaining if card.payment else Decimal(0)
            await svc.dialogs.set(chat_id, user_id, Dialog(FLOW, "payment", {"invoice_id": invoice_id}))
            await send(context, chat_id, t(lang, "sa.ask_payment", number=esc(card.view.number),
                                           left=money(lang, left, card.currency)))
        elif action.verb is CardVerb.UNDO:
            assert action.payment_id is not None
            await svc.payments.undo(user_id, invoice_id, action.payment_id)
            await show_card(context, user_id, chat_id, lang, invoice_id, message_id, t(lang, "sa.undone"))
    except ServiceError as exc:
        await send(context, chat_id, _error(lang, exc))


def _error(lang: str, exc: ServiceError) -> str:
    if exc.code == "payment_too_much":
        params = exc.params
        left = Decimal(int(params["remaining_minor"])) / 100
        return t(lang, "err.payment_too_much", left=money(lang, left, str(params["currency"])))
    if exc.code in ("invoice_unknown", "access_denied"):
        return t(lang, "stale_button")
    return error_text(lang, exc)


async def _send_file(context: Context, user_id: int, chat_id: int, lang: str, invoice_id: int, *,
                     pdf: bool) -> None:
    svc = context.services
    view = await svc.issuing.get_for_user(user_id, invoice_id)
    if view.state is InvoiceState.HELD:
        await send(context, chat_id, t(lang, "sa.held_no_file", number=esc(view.number)))
        return
    printout = await svc.issuing.printout(invoice_id)
    content, suffix = (printout.pdf, "pdf") if pdf else (printout.xml, "xml")
    await context.bot.send_document(chat_id, InputFile(content, filename=f"{printout.file_stem}.{suffix}"))


async def send_upo(context: Context, user_id: int, chat_id: int, lang: str, invoice_id: int) -> None:
    """The UPO as a readable summary (when and under which number KSeF received the invoice, in which
    session) with the file itself; fetched from KSeF the first time only."""
    svc = context.services
    view = await svc.issuing.get_for_user(user_id, invoice_id)
    upo = await svc.issuing.upo(user_id, invoice_id)
    stem = re.sub(r"[^\w.-]+", "_", view.number)
    try:
        found = parse_upo(upo)
    except UpoParseError:
        found = None
    entry = found.document(view.ksef_number or "") if found is not None else None
    if found is None or entry is None:
        summary = t(lang, "sa.upo_plain", number=esc(view.number))
    else:
        received = fmt_datetime(lang, entry.numbered_at) if entry.numbered_at else "—"
        summary = t(lang, "sa.upo_summary", number=esc(entry.invoice_number or view.number),
                    received=received, ksef_number=esc(entry.ksef_number),
                    session=esc(found.session_reference or "—"), mode=esc(entry.mode or "—"))
    await context.bot.send_document(chat_id, InputFile(upo, filename=f"UPO_{stem}.xml"), caption=summary)


# ------------------------------------------------------------------------------------------ typed answers

async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """A search text, or the amount of a partial payment (also the edit of a refused one)."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    text = update.effective_message.text.strip()
    svc = context.services
    if dialog.step == "search":
        await svc.dialogs.clear(chat_id)
        await show_list(context, user_id, chat_id, lang, SalesQuery(search=text[:MAX_SEARCH]))
        return
    if dialog.step != "payment":
        await send(context, chat_id, t(lang, "use_buttons"))
        return
    invoice_id = int(dialog.data["invoice_id"])
    try:
        typed = parse_amount_input(text)
    except KsefValidationError as exc:
        await send(context, chat_id, esc(str(exc)) if lang == "pl" else t(lang, "err.amount_input"))
        return
    try:
        recorded = await svc.payments.add_payment(user_id, invoice_id, typed.amount)
    except ServiceError as exc:
        await send(context, chat_id, _error(lang, exc))
        return
    await svc.dialogs.clear(chat_id)
    note = t(lang, "sa.recorded_payment", amount=money(lang, typed.amount, recorded.status.currency))
    await show_card(context, user_id, chat_id, lang, invoice_id, note=note)



