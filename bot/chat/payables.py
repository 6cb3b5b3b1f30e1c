"""``/platnosci`` (``/payables``): supplier invoices to pay, overdue first, with buttons to mark them paid
(whole in one tap, or part: a typed amount) and undo a mark; ``/przypomnienia`` (``/reminders``): the
due-date reminders switch. The reminders themselves: ``bot.chat.payables_news``.

Buttons (``pb:``): ``paid``/``part`` ``<invoice>[:<outbox row>]``, ``undo:<invoice>:<paid before>:<paid
after>`` (grosze; a compare-and-set, so a second tap changes nothing), ``list:<company>:<offset>[:<row>]``
and ``rem:<company>:<0|1>``; marking every overdue invoice paid in one go: ``bot.chat.payables_bulk``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat.callbacks import MAX_ROW_ID, Field, Pressed, Spec
from bot.chat.common import Context, active_company, error_text, ids, send
from bot.chat.common import language as language_for
from bot.chat.payables_bulk import BULK_ACTIONS, bulk_button, on_bulk
from bot.chat.payables_text import amounts_text, left_amount, left_text, money, name, when_text
from bot.i18n import clip, esc, t
from bot.i18n.limits import fit
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.payables import Marked, PayablesList
from ksef.errors import KsefValidationError
from ksef.plinput import parse_amount_input

FLOW = "payables"
STEP = "amount"
PAGE = 10  # invoices per page of the list (each with its buttons)
MAX_AMOUNT_TEXT = 40  # characters: "1 234 567,89 zł brutto" fits many times over

ACTIONS: dict[str, Spec] = {
    "paid": (Field.ID, Field.OPTIONAL_ID),
    "part": (Field.ID, Field.OPTIONAL_ID),
    "undo": (Field.ID, Field.ID, Field.ID),
    "list": (Field.ID, Field.ID, Field.OPTIONAL_ID),
    "rem": (Field.ID, Field.ID),
    **BULK_ACTIONS,
}


# --- texts -------------------------------------------------------------------------------------------

def totals_text(lang: str, listing: PayablesList) -> str:
    """"1 234,56 zł + 80,00 €": złoty first, then the other currencies by code."""
    return amounts_text(lang, listing.totals())


def list_text(context: Context, lang: str, listing: PayablesList, offset: int) -> str:
    if not listing.items:
        return t(lang, "pb.list_empty", nip=listing.company_nip)
    today = context.services.payables.today()
    count = t(lang, "pb.list_count", count=len(listing.items))
    if listing.totals():
        count += " " + t(lang, "pb.list_total", amounts=totals_text(lang, listing))
    head = [t(lang, "pb.list_title", nip=listing.company_nip), count,
            t(lang, "pb.list_overdue", count=listing.overdue_count) if listing.overdue_count
            else t(lang, "pb.list_none_overdue")]
    page = listing.items[offset:offset + PAGE]
    if len(listing.items) > PAGE:
        head.append(t(lang, "pb.list_page", first=offset + 1, last=offset + len(page),
                      total=len(listing.items)))
    lines = []
    for no, item in enumerate(page, start=offset + 1):
        number, seller = name(item)
        lines.append(t(lang, "pb.line", no=no, number=number, seller=seller, amount=left_text(lang, item),
                       when=when_text(lang, item, today)))
    tail = ["", t(lang, "pb.reminders_state_on" if listing.reminders_on else "pb.reminders_state_off")]
    return fit(head, lines, tail, more=lambda count: t(lang, "pb.more", count=count))


def list_keyboard(lang: str, listing: PayablesList, offset: int, today: date | None = None
                  ) -> InlineKeyboardMarkup:
    rows = []
    for no, item in enumerate(listing.items[offset:offset + PAGE], start=offset + 1):
        label = t(lang, "pb.btn.paid_no", no=no, number=clip(item.invoice_number, 24))
        rows.append([InlineKeyboardButton(label, callback_data=f"pb:paid:{item.invoice_id}"),
                     InlineKeyboardButton(t(lang, "pb.btn.part_short"),
                                          callback_data=f"pb:part:{item.invoice_id}")])
    company = listing.company_id
    nav = []
    if offset > 0:
        nav.append(InlineKeyboardButton(t(lang, "pb.btn.prev"),
                                        callback_data=f"pb:list:{company}:{max(0, offset - PAGE)}"))
    if offset + PAGE < len(listing.items):
        nav.append(InlineKeyboardButton(t(lang, "pb.btn.next"),
                                        callback_data=f"pb:list:{company}:{offset + PAGE}"))
    if nav:
        rows.append(nav)
    bulk = bulk_button(lang, listing, today) if today is not None else None
    if bulk is not None:
        rows.append([bulk])
    on = listing.reminders_on
    rows.append([InlineKeyboardButton(t(lang, "pb.btn.reminders_off" if on else "pb.btn.reminders_on"),
                                      callback_data=f"pb:rem:{company}:{0 if on else 1}")])
    return InlineKeyboardMarkup(rows)


def marked_text(lang: str, marked: Marked) -> str:
    item = marked.payable
    number, seller = name(item)
    if marked.full:
        if item.gross_minor is None:
            return t(lang, "pb.marked_paid_unknown", number=number, seller=seller)
        return t(lang, "pb.marked_paid", number=number, seller=seller,
                 amount=money(lang, marked.amount, item.currency))
    return t(lang, "pb.marked_part", number=number, seller=seller,
             amount=money(lang, marked.amount, item.currency), left=left_amount(lang, item))


def undo_keyboard(lang: str, marked: Marked) -> InlineKeyboardMarkup | None:
    """The undo button; none when the amounts do not fit the button's fields (above 21 million)."""
    after = marked.payable.paid_minor
    if after > MAX_ROW_ID:
        return None
    data = f"pb:undo:{marked.payable.invoice_id}:{marked.before_minor}:{after}"
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "pb.btn.undo"), callback_data=data)]])


def _error(lang: str, exc: ServiceError) -> str:
    if exc.code == "payable_too_much":
        left = Decimal(int(exc.params["left_minor"])) / 100
        return t(lang, "err.payable_too_much", left=money(lang, left, str(exc.params["currency"])))
    if exc.code in ("payable_unknown", "access_denied"):
        return t(lang, "stale_button")
    return error_text(lang, exc)


# --- commands ----------------------------------------------------------------------------------------

async def show_list(context: Context, user_id: int, chat_id: int, lang: str, company_id: int,
                    offset: int = 0) -> None:
    """The unpaid invoices of ``company_id`` from ``offset`` (the user must be a member)."""
    try:
        listing = await context.services.payables.unpaid(user_id, company_id)
    except ServiceError as exc:
        await send(context, chat_id, _error(lang, exc))
        return
    offset = offset if offset < len(listing.items) else 0  # a page that emptied meanwhile: the first one
    await send(context, chat_id, list_text(context, lang, listing, offset),
               list_keyboard(lang, listing, offset, context.services.payables.today()))


async def command(update: Update, context: Context) -> None:
    """/platnosci (/payables): what the active company has to pay."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    company = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if company is not None:
        await show_list(context, user_id, chat_id, lang, company.id)


async def reminders_command(update: Update, context: Context) -> None:
    """/przypomnienia wlacz|wylacz (/reminders on|off): due-date reminders for the active company."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    company = await active_company(context, user_id, chat_id, lang, "in.no_company")
    if company is None:
        return
    arg = (context.args or [""])[0].lower()
    svc = context.services.payables
    if arg in ("wylacz", "wyłącz", "off"):
        await svc.set_payment_reminders(user_id, company.id, False)
    elif arg in ("wlacz", "włącz", "on"):
        await svc.set_payment_reminders(user_id, company.id, True)
    on = await svc.payment_reminders(user_id, company.id)
    text = t(lang, "pb.reminders_on" if on else "pb.reminders_off", nip=company.nip)
    if arg not in ("wylacz", "wyłącz", "off", "wlacz", "włącz", "on"):
        text += "\n" + t(lang, "pb.reminders_help")
    await send(context, chat_id, text)


# --- buttons -----------------------------------------------------------------------------------------

async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """Every ``pb:`` button (see the module docstring)."""
    user_id, chat_id = ids(update)
    svc = context.services.payables
    action = pressed.action
    try:
        if action == "paid":
            marked = await svc.mark_paid(user_id, pressed.id)
            await send(context, chat_id, marked_text(lang, marked), undo_keyboard(lang, marked))
        elif action == "part":
            item = await svc.get(user_id, pressed.id)
            if item.left_minor == 0:
                raise ServiceError("payable_already_paid")
            if item.left_minor is None:
                raise ServiceError("payable_amount_unknown")
            dialog = Dialog(FLOW, STEP, {"invoice_id": item.invoice_id})
            await context.services.dialogs.set(chat_id, user_id, dialog)
            number, seller = name(item)
            await send(context, chat_id, t(lang, "pb.ask_amount", number=number, seller=seller,
                                           left=left_amount(lang, item)))
        elif action == "undo":
            invoice_id, before, after = pressed.ids
            item = await svc.undo(user_id, invoice_id, before, after)
            text = t(lang, "pb.undone", number=name(item)[0], left=left_amount(lang, item))
            await send(context, chat_id, text)
        elif action == "list":
            company_id, offset = pressed.ids[0], pressed.ids[1]
            await show_list(context, user_id, chat_id, lang, company_id, offset)
        elif action in BULK_ACTIONS:
            await on_bulk(update, context, lang, pressed)
        elif action == "rem":
            company_id, on = pressed.ids
            if on not in (0, 1):
                await send(context, chat_id, t(lang, "stale_button"))
                return
            await svc.set_payment_reminders(user_id, company_id, bool(on))
            await show_list(context, user_id, chat_id, lang, company_id)
    except ServiceError as exc:
        await send(context, chat_id, _error(lang, exc))


# --- the typed amount --------------------------------------------------------------------------------

async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """The amount of a part payment ("1 234,56", "1234.56", "500 zł"); refused input keeps the question."""
    message = update.effective_message
    assert message is not None and message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services.payables
    invoice_id = int(dialog.data.get("invoice_id", 0))
    text = message.text.strip()
    if len(text) > MAX_AMOUNT_TEXT:  # no amount is this long: say what is wanted, never cut it into one
        await send(context, chat_id, t(lang, "err.amount_input"))
        return
    try:
        typed = parse_amount_input(text)
    except KsefValidationError as exc:
        await send(context, chat_id, esc(str(exc)) if lang == "pl" else t(lang, "err.amount_input"))
        return
    try:
        item = await svc.get(user_id, invoice_id)
        if typed.currency is not None and typed.currency != item.currency.upper():
            currency = esc(clip(item.currency, 8))
            await send(context, chat_id, t(lang, "pb.currency_mismatch", currency=currency))
            return
        marked = await svc.add_payment(user_id, invoice_id, typed.amount)
    except ServiceError as exc:
        if exc.code in ("payable_unknown", "access_denied", "payable_already_paid", "payable_amount_unknown"):
            await context.services.dialogs.clear(chat_id)  # nothing left to ask: the question is gone
        await send(context, chat_id, _error(lang, exc))
        return
    await context.services.dialogs.clear(chat_id)
    await send(context, chat_id, marked_text(lang, marked), undo_keyboard(lang, marked))
