"""``/platnosci``: every overdue invoice marked paid in one go (``bot.services.payables_bulk``).

When at least :data:`MIN_OVERDUE` invoices are overdue the list offers "✅ Zapłacone wszystkie z terminem
przed <dziś>". Buttons (``pb:``, within 64 bytes): ``all:<company>:<cut-off as YYYYMMDD>`` stores the
proposal and asks (count, totals per currency); ``allok:<batch>`` marks them, ``allno:<batch>`` changes
nothing, ``allundo:<batch>`` restores exactly the invoices the batch marked.
"""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, ids, send
from bot.chat.payables_text import amounts_text
from bot.i18n import fmt_date, t
from bot.services.errors import ServiceError
from bot.services.payables import PayablesList
from bot.services.payables_bulk import BulkSummary

MIN_OVERDUE = 2  # one overdue invoice has its own button: "all" is for a backlog

BULK_ACTIONS: dict[str, Spec] = {
    "all": (Field.ID, Field.ID),
    "allok": (Field.ID,),
    "allno": (Field.ID,),
    "allundo": (Field.ID,),
}


def day_number(day: date) -> int:
    """20261205 for 5 December 2026: a day in a button's numeric field."""
    return day.year * 10000 + day.month * 100 + day.day


def day_from_number(value: int) -> date | None:
    """The day of :func:`day_number`, or None when the number is no day."""
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


def bulk_button(lang: str, listing: PayablesList, today: date) -> InlineKeyboardButton | None:
    """The "all overdue paid" button of the list, when there are at least two overdue invoices."""
    if listing.overdue_count < MIN_OVERDUE:
        return None
    return InlineKeyboardButton(t(lang, "pb.btn.all_paid", date=fmt_date(lang, today)),
                                callback_data=f"pb:all:{listing.company_id}:{day_number(today)}")


def _totals(lang: str, summary: BulkSummary) -> str:
    text = amounts_text(lang, summary.totals)
    if summary.unknown:
        unknown = t(lang, "pb.all_unknown", count=summary.unknown)
        text = f"{text} + {unknown}" if text else unknown
    return text


def _skipped(lang: str, summary: BulkSummary) -> str:
    return "\n" + t(lang, "pb.all_skipped", count=summary.skipped) if summary.skipped else ""


def _list_button(lang: str, company_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(t(lang, "pb.btn.list"), callback_data=f"pb:list:{company_id}:0")


async def on_bulk(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """The ``all*`` buttons; a refusal is raised as :class:`ServiceError` for the caller to answer."""
    user_id, chat_id = ids(update)
    bulk = context.services.payables.bulk
    if pressed.action == "all":
        company_id, number = pressed.ids
        cutoff = day_from_number(number)
        if cutoff is None:
            raise ServiceError("payable_bulk_stale")
        summary = await bulk.propose(user_id, company_id, cutoff)
        text = t(lang, "pb.all_confirm", count=summary.count, date=fmt_date(lang, cutoff),
                 nip=summary.company_nip, amounts=_totals(lang, summary))
        keyboard = InlineKeyboardMarkup([
            [InlineKeyboardButton(t(lang, "pb.btn.all_yes"), callback_data=f"pb:allok:{summary.batch_id}")],
            [InlineKeyboardButton(t(lang, "pb.btn.all_no"), callback_data=f"pb:allno:{summary.batch_id}")]])
        await send(context, chat_id, text, keyboard)
    elif pressed.action == "allok":
        summary = await bulk.apply(user_id, pressed.id)
        text = t(lang, "pb.all_done", count=summary.count, amounts=_totals(lang, summary)) if summary.count \
            else t(lang, "pb.all_done_none")
        buttons = [[_list_button(lang, summary.company_id)]]
        if summary.count:
            buttons.insert(0, [InlineKeyboardButton(t(lang, "pb.btn.all_undo"),
                                                    callback_data=f"pb:allundo:{summary.batch_id}")])
        await send(context, chat_id, text + _skipped(lang, summary), InlineKeyboardMarkup(buttons))
    elif pressed.action == "allundo":
        summary = await bulk.undo(user_id, pressed.id)
        text = t(lang, "pb.all_undone", count=summary.count) if summary.count \
            else t(lang, "pb.all_undone_none")
        await send(context, chat_id, text + _skipped(lang, summary),
                   InlineKeyboardMarkup([[_list_button(lang, summary.company_id)]]))
    else:  # "allno": the proposal can no longer be applied
        await bulk.drop(user_id, pressed.id)
        await send(context, chat_id, t(lang, "pb.all_cancelled"))
