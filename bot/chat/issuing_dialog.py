"""``/wystaw`` before the confirmation: the buyer (from the saved contractors, MF's VAT taxpayer list or
typed), the lines, what the draft still lacks (the legal basis of an exemption), the preview and every
change made from it ("⚙️ Więcej": dates, payment, account, currency, pricing method, annotations; line
editing). Buttons choose, typed text gives values; after every change the whole preview is shown again.

Confirming and delivering live in :mod:`bot.chat.issuing`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import issuing_preview as view
from bot.chat.common import Context, error_text, ids, send
from bot.i18n import clip, esc, t
from bot.services.buyers import LookupProblem
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.issuing import Draft, DraftBuyer, Preview
from bot.services.issuing import editing as edit
from bot.services.issuing.draft import GROSS, NET, PLN
from bot.services.issuing.editing import Note
from bot.services.issuing.parsing import (
    MAX_PRICE_DECIMALS,
    TypedLine,
    read_buyer_id,
    read_fast_path,
    read_line,
)
from bot.services.seller_profile import ProfileView, check_address
from ksef.banking import normalize_account
from ksef.errors import BankAccountError, InvoiceDataError
from ksef.fa3 import Buyer, VatRate
from ksef.nbp import TABLE_A_CURRENCIES
from ksef.plinput import (
    InputError,
    clean_text,
    parse_amount_input,
    parse_date,
    parse_exemption_basis,
    parse_payment_term,
    parse_period,
    parse_quantity_input,
    parse_vat_rate,
)

log = logging.getLogger(__name__)

FLOW = "issue"
# Steps waiting for buttons only: typed text there is answered with "use the buttons".
BUTTON_STEPS = ("preview", "options", "buyer_found", "pick_line", "line_field")
SAVED_BUYERS = 6  # recent buyers offered as buttons at the buyer question


@dataclass(frozen=True)
class Issue:
    """The issuing dialogue's data: the company, the draft so far, the line being edited and what the
    next preview must say about changes made before it (a fast path's line, then the buyer's questions)."""

    company_id: int
    draft: Draft
    line: int | None = None  # 0-based index of the line being edited
    notes: tuple[Note, ...] = ()

    @classmethod
    def of(cls, dialog: Dialog) -> Issue:
        line = dialog.data.get("line")
        return cls(int(dialog.data["company_id"]), Draft.from_json(dialog.data["draft"]),
                   int(line) if line is not None else None,
                   tuple(Note.from_json(n) for n in dialog.data.get("notes") or ()))

    def with_draft(self, draft: Draft) -> Issue:
        return replace(self, draft=draft)

    def noting(self, notes: Sequence[Note]) -> Issue:
        return replace(self, notes=(*self.notes, *notes)) if notes else self

    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"company_id": self.company_id, "draft": self.draft.to_json()}
        if self.line is not None:
            data["line"] = self.line
        if self.notes:
            data["notes"] = [note.to_json() for note in self.notes]
        return data


def error_message(lang: str, exc: ServiceError) -> str:
    """A refused input explained: the library's Polish text when there is one, else our catalog's."""
    if exc.user_message:
        return esc(exc.user_message)
    return error_text(lang, exc)


def _refusal(lang: str, exc: ServiceError, draft: Draft) -> str:
    if exc.code == "conversion_inexact":
        p = exc.params
        return t(lang, "err.conversion_inexact", method=view.method_word(lang, p["method"]),
                 line_no=p["line_no"], typed=view.money(lang, p["typed"], draft.currency),
                 nearest=view.money(lang, p["nearest"], draft.currency),
                 typed_method=view.method_word(lang, p["typed_method"]))
    return error_message(lang, exc)


async def save(context: Context, chat_id: int, user_id: int, step: str, issue: Issue) -> None:
    await context.services.dialogs.set(chat_id, user_id, Dialog(FLOW, step, issue.data()))


async def _profile(context: Context, issue: Issue) -> ProfileView:
    return await context.services.issuing.profile(issue.company_id)


# ----------------------------------------------------------------------------------------------- starting

async def start(context: Context, chat_id: int, user_id: int, lang: str, company_id: int,
                profile: ProfileView, args: str) -> None:
    """``/wystaw [buyer] [line]``: what was given goes into a new draft, the rest is asked."""
    from bot.services.issuing import new_draft

    issue = Issue(company_id, new_draft(profile))
    try:
        buyer, typed = read_fast_path(args, profile.default_rate)
        notes: list[Note] = []
        draft = issue.draft if buyer is None else issue.draft.with_buyer(buyer)
        if typed is not None:
            change = edit.place_line(draft, typed)
            draft, notes = change.draft, list(change.notes)
    except ServiceError as exc:
        await send(context, chat_id, _refusal(lang, exc, issue.draft))
        return
    issue = issue.with_draft(draft)
    if buyer is None:
        await _ask(context, chat_id, user_id, lang, issue, "buyer", notes)
        return
    await _take_buyer(context, chat_id, user_id, lang, issue, notes)


async def proceed(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue,
                  notes: Sequence[Note] = (), *, retry: str | None = None) -> None:
    """Ask for what the draft still lacks, or show the preview."""
    draft = issue.draft
    issue = replace(issue, line=None)
    if draft.buyer is None:
        await _ask(context, chat_id, user_id, lang, issue, "buyer", notes)
    elif not draft.buyer.name:
        await _ask(context, chat_id, user_id, lang, issue, "buyer_name", notes)
    elif not draft.lines:
        await _ask(context, chat_id, user_id, lang, issue, "line", notes)
    elif draft.needs_exemption_basis and not (await _profile(context, issue)).vat_exempt:
        await _ask(context, chat_id, user_id, lang, issue, "basis", notes)
    else:
        await show_preview(context, chat_id, user_id, lang, issue, notes, retry=retry)


async def _ask(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, step: str,
               notes: Sequence[Note] = (), *, lead: str = "") -> None:
    """Store the step and ask its question (``lead`` above it); the notes wait for the next preview,
    where the text they are about is shown."""
    await save(context, chat_id, user_id, step, issue.noting(notes))
    text = await _question(context, lang, issue, step)
    if lead:
        text = lead + "\n\n" + text
    await send(context, chat_id, text, await _keyboard(context, lang, issue, step))


async def _keyboard(context: Context, lang: str, issue: Issue, step: str) -> InlineKeyboardMarkup:
    """Cancel under every typed question; at the buyer question, the recent buyers above it."""
    if step != "buyer":
        return cancel_keyboard(lang)
    known = await context.services.contractors.recent(issue.company_id, SAVED_BUYERS)
    rows = [[InlineKeyboardButton(f"{clip(c.name, 28)} · …{c.nip[-4:]}", callback_data=f"iv:by:{c.id}")]
            for c in known]
    rows.append([InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")])
    return InlineKeyboardMarkup(rows)


async def _question(context: Context, lang: str, issue: Issue, step: str) -> str:
    draft = issue.draft
    if step == "buyer":
        text = t(lang, "ivc.ask.buyer")
        if await context.services.contractors.recent(issue.company_id, SAVED_BUYERS):
            text += "\n\n" + t(lang, "mn.buyers_below")
        return text
    if step == "line":
        profile = await _profile(context, issue)
        return t(lang, "ivc.ask.line", method=view.method_word(lang, draft.prices),
                 other=view.method_word(lang, NET if draft.gross_prices else GROSS),
                 rate=esc(VatRate(profile.default_rate).label))
    no = (issue.line or 0) + 1
    keys = {"buyer_name": "ivc.ask.buyer_name", "buyer_name_only": "ivc.ask.buyer_name",
            "buyer_address": "ivc.ask.buyer_address", "buyer_address_only": "ivc.ask.buyer_address",
            "basis": "ivc.ask.basis", "sale_date": "ivc.ask.sale_date", "period": "ivc.ask.period",
            "term": "ivc.ask.term", "account": "ivc.ask.account", "currency_other": "ivc.ask.currency_other",
            "edit_name": "ivc.ask.name", "edit_qty": "ivc.ask.qty", "edit_line": "ivc.ask.whole_line",
            "paid_date": "ivc.ask.paid_date", "edit_rate": "ivc.ask.rate"}
    if step == "edit_price":
        return t(lang, "ivc.ask.price", no=no, method=view.method_word(lang, draft.prices),
                 other=view.method_word(lang, NET if draft.gross_prices else GROSS))
    return t(lang, keys[step], no=no)


async def reask(context: Context, chat_id: int, user_id: int, lang: str, dialog: Dialog) -> None:
    """The current question again (after input the dialogue could not use); at the preview, the preview."""
    issue = Issue.of(dialog)
    if dialog.step == "preview":
        await show_preview(context, chat_id, user_id, lang, issue)
    elif dialog.step in BUTTON_STEPS:
        await send(context, chat_id, t(lang, "use_buttons"))
    else:
        question = await _question(context, lang, issue, dialog.step)
        await send(context, chat_id, question, await _keyboard(context, lang, issue, dialog.step))


def cancel_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")]])


# ----------------------------------------------------------------------------------------------- the buyer

async def _take_buyer(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue,
                      notes: Sequence[Note] = ()) -> None:
    """The buyer's identifier is in the draft: fill in the rest (saved contractor, white list, or ask)."""
    svc = context.services
    change = edit.for_buyer(issue.draft)
    issue, notes = issue.with_draft(change.draft), [*notes, *change.notes]
    buyer = issue.draft.buyer
    assert buyer is not None
    if buyer.nip is None:
        await _ask(context, chat_id, user_id, lang, issue, "buyer_name", notes)
        return
    known = await svc.contractors.find(issue.company_id, buyer.nip)
    if known is not None:
        filled = replace(buyer, name=known.name, address=tuple(known.address))
        issue = issue.with_draft(issue.draft.with_buyer(filled))
        await proceed(context, chat_id, user_id, lang, issue, notes)
        return
    found = await svc.buyers.lookup(buyer.nip)
    if found.buyer is None:
        why = {LookupProblem.NOT_LISTED: "ivc.buyer.not_listed", LookupProblem.LIMIT: "ivc.buyer.limit",
               LookupProblem.UNAVAILABLE: "ivc.buyer.unavailable"}[found.problem or LookupProblem.UNAVAILABLE]
        await _ask(context, chat_id, user_id, lang, issue, "buyer_name", notes, lead=t(lang, why))
        return
    listed = found.buyer
    filled = replace(buyer, name=listed.name, address=listed.address,
                     vat_status=listed.status.value if listed.status else None)
    issue = issue.with_draft(issue.draft.with_buyer(filled))
    await save(context, chat_id, user_id, "buyer_found", issue)
    await _show_listed(context, chat_id, lang, filled)


async def _show_listed(context: Context, chat_id: int, lang: str, buyer: DraftBuyer) -> None:
    text = t(lang, "ivc.buyer.found", name=esc(buyer.name),
             address=esc(", ".join(buyer.address)) if buyer.address else t(lang, "ivc.buyer.no_address"),
             status=view.status_text(lang, buyer.vat_status))
    if buyer.vat_status != "Czynny":
        text += "\n" + t(lang, "ivc.buyer.not_active")
    await send(context, chat_id, text, InlineKeyboardMarkup([
        [InlineKeyboardButton(t(lang, "ivc.btn.use"), callback_data="iv:bu:use")],
        [InlineKeyboardButton(t(lang, "ivc.btn.edit_name"), callback_data="iv:bu:name"),
         InlineKeyboardButton(t(lang, "ivc.btn.edit_address"), callback_data="iv:bu:addr")],
        [InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")],
    ]))


def _buyer_name(text: str) -> tuple[str, bool]:
    cleaned = clean_text(text)
    try:
        return Buyer(name=cleaned.text).name, cleaned.changed
    except InvoiceDataError as exc:
        raise ServiceError("invoice_data", user_message=exc.message) from None


def _buyer_address(text: str) -> tuple[tuple[str, ...], bool]:
    if text.strip() in ("-", "–"):
        return (), False
    cleaned = clean_text(text)
    return tuple(check_address(cleaned.text)), cleaned.changed


# ------------------------------------------------------------------------------------------ typed answers

async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    """A typed answer to the question of the dialogue's step."""
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    text = update.effective_message.text.strip()
    issue = Issue.of(dialog)
    if dialog.step in BUTTON_STEPS:
        await send(context, chat_id, t(lang, "use_buttons"))
        return
    try:
        await _answer(context, chat_id, user_id, lang, issue, dialog.step, text)
    except ServiceError as exc:
        await send(context, chat_id, _refusal(lang, exc, issue.draft))
    except InputError as exc:
        await send(context, chat_id, esc(exc.message))


async def _saved_buyer(context: Context, chat_id: int, user_id: int, lang: str, contractor_id: int) -> None:
    dialog = await context.services.dialogs.get(chat_id)
    if dialog is None or dialog.flow != FLOW or dialog.step != "buyer":
        await send(context, chat_id, t(lang, "stale_button"))
        return
    issue = Issue.of(dialog)
    known = await context.services.contractors.get(issue.company_id, contractor_id)
    if known is None:
        await send(context, chat_id, t(lang, "stale_button"))
        return
    try:
        await _answer(context, chat_id, user_id, lang, issue, "buyer", known.nip)
    except ServiceError as exc:
        await send(context, chat_id, _refusal(lang, exc, issue.draft))
    except InputError as exc:
        await send(context, chat_id, esc(exc.message))


async def _answer(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, step: str,
                  text: str) -> None:
    draft = issue.draft
    profile = await _profile(context, issue)
    today = context.services.issuing.today()
    notes: list[Note] = []
    if step == "buyer":
        buyer = read_buyer_id(text)
        await _take_buyer(context, chat_id, user_id, lang, issue.with_draft(draft.with_buyer(buyer)))
        return
    if step in ("buyer_name", "buyer_name_only"):
        name, cleaned = _buyer_name(text)
        buyer = replace(draft.buyer or DraftBuyer(), name=name)
        issue = issue.with_draft(draft.with_buyer(buyer))
        notes = [Note("cleaned", what="buyer_name")] if cleaned else []
        if step == "buyer_name":
            await _ask(context, chat_id, user_id, lang, issue, "buyer_address", notes)
            return
    elif step in ("buyer_address", "buyer_address_only"):
        address, cleaned = _buyer_address(text)
        issue = issue.with_draft(draft.with_buyer(replace(draft.buyer or DraftBuyer(), address=address)))
        notes = [Note("cleaned", what="address")] if cleaned else []
    elif step == "line":
        change = edit.place_line(draft, read_line(text, profile.default_rate))
        issue, notes = issue.with_draft(change.draft), list(change.notes)
    elif step == "edit_line":
        change = edit.place_line(draft, read_line(text, profile.default_rate), _line(issue))
        issue, notes = issue.with_draft(change.draft), list(change.notes)
    elif step == "basis":
        basis, kind = parse_exemption_basis(text)
        issue = issue.with_draft(replace(draft, exemption_basis=basis, exemption_kind=kind.value))
    elif step == "edit_name":
        index = _line(issue)
        new_name = clean_text(text)
        if not new_name.text.strip():
            raise ServiceError("line_format")
        line = replace(draft.lines[index], name=" ".join(new_name.text.split()))
        issue = issue.with_draft(draft.with_line_at(index, line))
        notes = [Note("cleaned", line_no=index + 1, what="line")] if new_name.changed else []
    elif step == "edit_qty":
        index = _line(issue)
        quantity = parse_quantity_input(text)
        line = replace(draft.lines[index], quantity=quantity.quantity,
                       unit=quantity.unit or draft.lines[index].unit)
        issue = issue.with_draft(draft.with_line_at(index, line))
    elif step == "edit_price":
        index = _line(issue)
        price = parse_amount_input(text, max_decimals=MAX_PRICE_DECIMALS)
        typed = TypedLine(replace(draft.lines[index], unit_price=price.amount), price.kind, price.currency)
        change = edit.place_line(draft, typed, index)
        issue, notes = issue.with_draft(change.draft), list(change.notes)
    elif step == "edit_rate":
        change = edit.set_line_rate(draft, _line(issue), parse_vat_rate(text).value)
        issue, notes = issue.with_draft(change.draft), list(change.notes)
    elif step == "sale_date":
        issue = issue.with_draft(edit.set_sale_date(draft, parse_date(text, today=today)))
    elif step == "period":
        issue = issue.with_draft(edit.set_period(draft, parse_period(text, today=today)))
    elif step == "term":
        term = parse_payment_term(text, today=today)
        issue = issue.with_draft(edit.set_term(draft, days=term.days, due=term.due_date))
    elif step == "paid_date":
        issue = issue.with_draft(edit.set_paid(draft, parse_date(text, today=today)))
    elif step == "account":
        try:
            account = normalize_account(text)
        except BankAccountError as exc:
            raise ServiceError("account_invalid", reason=str(exc)) from None
        issue = issue.with_draft(replace(draft, bank_account=account, method="transfer", paid_date=None))
    elif step == "currency_other":
        code = text.strip().upper()
        if code not in TABLE_A_CURRENCIES:
            raise ServiceError("currency_unknown", currency=text.strip()[:10])
        change = edit.set_currency(draft, code)
        issue, notes = issue.with_draft(change.draft), list(change.notes)
    else:
        await send(context, chat_id, t(lang, "use_buttons"))
        return
    await proceed(context, chat_id, user_id, lang, issue, notes)


def _line(issue: Issue) -> int:
    if issue.line is None or not 0 <= issue.line < len(issue.draft.lines):
        raise ServiceError("line_gone")
    return issue.line


# ----------------------------------------------------------------------------------------------- preview

async def show_preview(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue,
                       notes: Sequence[Note] = (), *, retry: str | None = None, stale: bool = False) -> None:
    """Fix the NBP rate into the draft when needed, validate the whole draft as the invoice, show it.

    A refusal leaves the dialogue as it was (the change is not kept) and says why; an NBP failure
    offers to try again (``retry``: the callback that led here) or to issue in PLN.
    """
    svc = context.services
    today = svc.issuing.today()
    try:
        draft = await svc.rates.fix(issue.draft, today)
        preview = await svc.issuing.preview(issue.company_id, draft)
    except ServiceError as exc:
        await _not_shown(context, chat_id, lang, issue, exc, retry)
        return
    notes = [*issue.notes, *notes]
    issue = replace(issue.with_draft(draft), line=None, notes=())
    await save(context, chat_id, user_id, "preview", issue)
    profile = await _profile(context, issue)
    text = view.preview_text(lang, profile, draft, preview, notes=notes, today=today)
    if stale:
        text = t(lang, "ivc.stale") + "\n\n" + text
    await send(context, chat_id, text, view.preview_keyboard(
        lang, preview.version, ask_split=view.needs_split_answer(draft, preview)))


async def _not_shown(context: Context, chat_id: int, lang: str, issue: Issue, exc: ServiceError,
                     retry: str | None) -> None:
    if exc.code != "nbp":
        # The change is not kept: the dialogue is still at the step that asked, so ask again.
        text = _refusal(lang, exc, issue.draft)
        dialog = await context.services.dialogs.get(chat_id)
        if dialog is not None and dialog.flow == FLOW and dialog.step not in BUTTON_STEPS:
            text += "\n\n" + await _question(context, lang, Issue.of(dialog), dialog.step)
        await send(context, chat_id, text, cancel_keyboard(lang))
        return
    rows = []
    if retry:
        rows.append([InlineKeyboardButton(t(lang, "ivc.btn.retry"), callback_data=retry)])
    if issue.draft.currency != PLN:
        rows.append([InlineKeyboardButton(t(lang, "ivc.btn.in_pln"), callback_data="iv:pln")])
    rows.append([InlineKeyboardButton(t(lang, "iv.btn.cancel"), callback_data="iv:no")])
    await send(context, chat_id, t(lang, "ivc.nbp_failed", reason=esc(exc.user_message or "")),
               InlineKeyboardMarkup(rows))


# ----------------------------------------------------------------------------------------------- buttons

async def current(context: Context, chat_id: int, user_id: int, lang: str, version: str | None
                  ) -> tuple[Issue, Preview | None] | None:
    """The dialogue's issue when a button may act on it: the chat is issuing and, for a preview's
    button, the draft is still the version that preview showed. Otherwise the user is told (an out of
    date preview is answered with the current one) and None returned."""
    dialog = await context.services.dialogs.get(chat_id)
    if dialog is None or dialog.flow != FLOW:
        await send(context, chat_id, t(lang, "stale_button"))
        return None
    issue = Issue.of(dialog)
    if version is None:
        return issue, None
    try:
        preview = await context.services.issuing.preview(issue.company_id, issue.draft)
    except ServiceError:
        preview = None
    if preview is None or preview.version != version:
        if preview is None:
            await proceed(context, chat_id, user_id, lang, issue)
        else:
            await show_preview(context, chat_id, user_id, lang, issue, stale=True)
        return None
    return issue, preview


async def show_stale(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue) -> None:
    """The confirmation found the invoice changed since its preview: the current one, said so."""
    await show_preview(context, chat_id, user_id, lang, issue, stale=True)


async def on_callback(update: Update, context: Context, lang: str, parts: list[str]) -> None:
    """Every ``iv:`` button before the confirmation (see :func:`_act` for the list)."""
    user_id, chat_id = ids(update)
    action = parts[1]
    if action == "no":
        await context.services.dialogs.clear(chat_id)
        await send(context, chat_id, t(lang, "iv.cancelled"))
        return
    if action == "bu":  # the white-list card: no preview yet, so no version; the step says it is live
        dialog = await context.services.dialogs.get(chat_id)
        if dialog is None or dialog.flow != FLOW or dialog.step != "buyer_found" or len(parts) < 3:
            await send(context, chat_id, t(lang, "stale_button"))
            return
        issue = Issue.of(dialog)
        step = {"name": "buyer_name_only", "addr": "buyer_address_only"}.get(parts[2])
        if step is None:
            await proceed(context, chat_id, user_id, lang, issue, retry=":".join(parts))
        else:
            await _ask(context, chat_id, user_id, lang, issue, step)
        return
    if action == "by":  # a saved buyer's button: its NIP taken as if typed at the buyer question
        await _saved_buyer(context, chat_id, user_id, lang, int(parts[2]))
        return
    if action == "pln":  # after a failed NBP lookup: the draft as it is, in złoty (shown before issuing)
        dialog = await context.services.dialogs.get(chat_id)
        if dialog is None or dialog.flow != FLOW:
            await send(context, chat_id, t(lang, "stale_button"))
            return
        issue = Issue.of(dialog)
        change = edit.set_currency(issue.draft, PLN)
        await proceed(context, chat_id, user_id, lang, issue.with_draft(change.draft), change.notes)
        return
    found = await current(context, chat_id, user_id, lang, parts[-1] if len(parts) > 2 else "")
    if found is None:
        return
    issue, preview = found
    assert preview is not None
    try:
        await _act(context, chat_id, user_id, lang, issue, preview, action, parts[2:-1],
                   retry=":".join(parts))
    except ServiceError as exc:
        await send(context, chat_id, _refusal(lang, exc, issue.draft))


async def _act(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, preview: Preview,
               action: str, args: list[str], *, retry: str) -> None:
    """``add``; ``ed`` (edit lines) → ``ln:<i>`` → ``lf:<i>:<field>`` → ``rt:<rate>``; ``mo`` (options) →
    ``o:<what>`` → ``pm:<method>``, ``pd:today``, ``cu:<code>``; ``sp:y|n`` (split payment)."""
    draft = issue.draft
    version = preview.version
    arg = args[0] if args else ""
    if action == "add":
        await _ask(context, chat_id, user_id, lang, issue, "line")
    elif action == "ed":
        if len(draft.lines) == 1:
            await _line_menu(context, chat_id, user_id, lang, issue, 0, version)
        else:
            await save(context, chat_id, user_id, "pick_line", issue)
            choices = [(f"{no}. {line.name[:28]}", str(no - 1))
                       for no, line in enumerate(draft.lines, start=1)]
            await send(context, chat_id, t(lang, "ivc.ask.pick_line"),
                       view.choices_keyboard(lang, "ln", choices, version, per_row=1))
    elif action == "ln" and arg.isdigit() and int(arg) < len(draft.lines):
        await _line_menu(context, chat_id, user_id, lang, issue, int(arg), version)
    elif action == "lf" and len(args) == 2 and arg.isdigit() and int(arg) < len(draft.lines):
        await _line_field(context, chat_id, user_id, lang, replace(issue, line=int(arg)), args[1], version)
    elif action == "rt" and issue.line is not None and arg.isdigit() and int(arg) < len(view.RATE_CHOICES):
        change = edit.set_line_rate(draft, _line(issue), view.RATE_CHOICES[int(arg)].value)
        await proceed(context, chat_id, user_id, lang, issue.with_draft(change.draft), change.notes)
    elif action == "mo":
        profile = await _profile(context, issue)
        await save(context, chat_id, user_id, "options", issue)
        await send(context, chat_id, t(lang, "ivc.options"),
                   view.options_keyboard(lang, draft, version, vat_exempt=profile.vat_exempt))
    elif action == "o":
        await _option(context, chat_id, user_id, lang, issue, arg, version, retry=retry)
    elif action == "pm" and arg in (*view.PAYMENT_CHOICES, "paid"):
        if arg == "paid":
            await save(context, chat_id, user_id, "paid_date", issue)
            await send(context, chat_id, t(lang, "ivc.ask.paid_date"), view.choices_keyboard(
                lang, "pd", [(t(lang, "ivc.btn.today"), "today")], version))
        else:
            await proceed(context, chat_id, user_id, lang, issue.with_draft(edit.set_method(draft, arg)))
    elif action == "pd" and arg == "today":
        today = context.services.issuing.today()
        await proceed(context, chat_id, user_id, lang, issue.with_draft(edit.set_paid(draft, today)))
    elif action == "cu" and arg == "other":
        await _ask(context, chat_id, user_id, lang, issue, "currency_other")
    elif action == "cu" and (arg in TABLE_A_CURRENCIES or arg == PLN):
        change = edit.set_currency(draft, arg)
        await proceed(context, chat_id, user_id, lang, issue.with_draft(change.draft), change.notes,
                      retry=retry)
    elif action == "sp" and arg in ("y", "n"):
        answered = replace(draft, split_payment=arg == "y")
        await proceed(context, chat_id, user_id, lang, issue.with_draft(answered))
    else:
        await send(context, chat_id, t(lang, "stale_button"))


async def _line_menu(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, index: int,
                     version: str) -> None:
    issue = replace(issue, line=index)
    draft = issue.draft
    line = draft.lines[index]
    value = edit.line_value(draft, line)
    await save(context, chat_id, user_id, "line_field", issue)
    shown = view.line_text(lang, draft, index + 1, line, value).split(". ", 1)[1]
    await send(context, chat_id, t(lang, "ivc.ask.line_field", no=index + 1, line=shown),
               view.line_fields_keyboard(lang, index, version))


async def _line_field(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, field: str,
                      version: str) -> None:
    index = _line(issue)
    if field == "del":
        removed = issue.draft.without_line(index)
        await proceed(context, chat_id, user_id, lang, issue.with_draft(removed),
                      [Note("removed", line_no=index + 1)])
    elif field == "rate":
        await save(context, chat_id, user_id, "edit_rate", issue)
        choices = [(view.rate_label(rate), str(i)) for i, rate in enumerate(view.RATE_CHOICES)]
        await send(context, chat_id, t(lang, "ivc.ask.rate", no=index + 1),
                   view.choices_keyboard(lang, "rt", choices, version))
    elif field in ("name", "qty", "price", "line"):
        await _ask(context, chat_id, user_id, lang, issue, f"edit_{field}")
    else:
        await send(context, chat_id, t(lang, "stale_button"))


async def _option(context: Context, chat_id: int, user_id: int, lang: str, issue: Issue, what: str,
                  version: str, *, retry: str) -> None:
    draft = issue.draft
    questions = {"sd": "sale_date", "pe": "period", "te": "term", "ac": "account"}
    if what in questions:
        await _ask(context, chat_id, user_id, lang, issue, questions[what])
    elif what == "pm":
        await save(context, chat_id, user_id, "options", issue)
        choices = [(t(lang, f"ivc.pay.{m}").capitalize(), m) for m in view.PAYMENT_CHOICES]
        choices.append((t(lang, "ivc.pay.paid"), "paid"))
        await send(context, chat_id, t(lang, "ivc.ask.payment"),
                   view.choices_keyboard(lang, "pm", choices, version))
    elif what == "cu":
        await save(context, chat_id, user_id, "options", issue)
        choices = [(code, code) for code in view.CURRENCY_CHOICES]
        choices.append((t(lang, "ivc.btn.other_currency"), "other"))
        await send(context, chat_id, t(lang, "ivc.ask.currency"),
                   view.choices_keyboard(lang, "cu", choices, version))
    elif what == "pr":
        change = edit.switch_prices(draft)
        notes = [Note("prices_switched"), *change.notes]
        await proceed(context, chat_id, user_id, lang, issue.with_draft(change.draft), notes)
    elif what == "mp":
        await proceed(context, chat_id, user_id, lang, issue.with_draft(
            replace(draft, split_payment=not draft.split_payment)))
    elif what == "rc":
        await proceed(context, chat_id, user_id, lang, issue.with_draft(
            replace(draft, reverse_charge=not draft.reverse_charge)))
    elif what == "bk":
        await proceed(context, chat_id, user_id, lang, issue, retry=retry)
    else:
        await send(context, chat_id, t(lang, "stale_button"))

