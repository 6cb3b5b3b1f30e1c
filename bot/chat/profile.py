"""``/profil``: the seller profile, asked once step by step (each answer checked before the next)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chat import corrections
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, active_company, ids, send
from bot.chat.common import language as language_for
from bot.chat.issuing import error_message
from bot.i18n import esc, t
from bot.services import seller_profile as sp
from bot.services.dialogs import Dialog
from bot.services.errors import ServiceError
from bot.services.numbering import DEFAULT_PATTERN, check_pattern
from ksef.banking import format_account
from ksef.errors import InvoiceDataError
from ksef.fa3.rates import VatRate

FLOW = "profile"
STEPS = ("name", "address", "vat", "account", "rate", "days", "pattern")  # then "prices" (buttons)
PRICES_WORDS = {"netto": "net", "net": "net", "brutto": "gross", "gross": "gross"}


def rate_text(rate: str) -> str:
    """A stored rate as printed ("23%", "zw"); anything unknown as it is."""
    try:
        return VatRate.parse(rate).label
    except InvoiceDataError:
        return rate


async def command(update: Update, context: Context) -> None:
    """/profil (/profile): start collecting the seller data of the active company."""
    user_id, chat_id = ids(update)
    lang = await language_for(context, user_id)
    svc = context.services
    company = await active_company(context, user_id, chat_id, lang, "err.no_company")
    if company is None:
        return
    args = context.args or []
    if args and args[0].lower() in ("korekty", "corrections"):  # /profil korekty KOR/{n}/{YYYY}
        await corrections.set_pattern(context, user_id, chat_id, lang, company.id, " ".join(args[1:]))
        return
    owner = (await svc.companies.get(user_id, company.id)).role == "owner"
    await svc.dialogs.set(chat_id, user_id, Dialog(FLOW, "name", {"company_id": company.id, "owner": owner}))
    await send(context, chat_id, t(lang, "pf.ask_name"))


def _answer(step: str, text: str) -> dict[str, Any]:
    """Check one answer; the value(s) to keep, or ServiceError."""
    if step == "name":
        return {"name": sp.check_name(text)}
    if step == "address":
        return {"address": sp.check_address(text)}
    if step == "vat":
        answer = text.strip().lower().rstrip(".")
        if answer not in ("vat", "zw", "tak", "nie"):
            raise ServiceError("vat_answer")
        return {"vat_exempt": answer in ("zw", "nie")}
    if step == "account":
        return {"bank_account": sp.check_account(text)}
    if step == "rate":
        return {"default_rate": sp.check_rate(text)}
    if step == "days":
        return {"payment_days": sp.check_days(text)}
    pattern = DEFAULT_PATTERN if text.strip() == "-" else check_pattern(text)
    return {"pattern": pattern, "reset": "monthly" if "{MM}" in pattern else "yearly"}


async def reask(context: Context, chat_id: int, lang: str, dialog: Dialog) -> None:
    """Ask the question the profile dialogue waits for again."""
    if dialog.step == "prices":
        await send(context, chat_id, t(lang, "ivc.profile.ask_prices"), _prices_keyboard(lang))
        return
    await send(context, chat_id, t(lang, f"pf.ask_{dialog.step}"))


async def on_text(update: Update, context: Context, dialog: Dialog, lang: str) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    user_id, chat_id = ids(update)
    svc = context.services
    if dialog.step == "prices":
        answer = update.effective_message.text.strip().lower()
        if answer not in PRICES_WORDS:
            await send(context, chat_id, t(lang, "ivc.profile.ask_prices"), _prices_keyboard(lang))
            return
        await _save(context, chat_id, user_id, lang, {**dialog.data, "prices": PRICES_WORDS[answer]})
        return
    try:
        values = _answer(dialog.step, update.effective_message.text)
    except ServiceError as exc:
        text = t(lang, "pf.vat_answer") if exc.code == "vat_answer" else error_message(lang, exc)
        await send(context, chat_id, text)
        return
    data = {**dialog.data, **values}
    index = STEPS.index(dialog.step)
    if data.get("vat_exempt") and STEPS[index + 1:index + 2] == ("account",):
        data["default_rate"] = "zw"
    if dialog.step == "pattern" and not data.get("vat_exempt"):
        # The pricing method of new invoices (net or gross), asked last and with buttons.
        await svc.dialogs.set(chat_id, user_id, Dialog(FLOW, "prices", data))
        await send(context, chat_id, t(lang, "ivc.profile.ask_prices"), _prices_keyboard(lang))
        return
    if index + 1 < len(STEPS):
        step = STEPS[index + 1]
        lead = ""
        if step == "account" and not data.get("owner", True):
            # Customers pay to this account: only the owner may change it (a member keeps the current one).
            current = await svc.profiles.get(int(data["company_id"]))
            data["bank_account"] = current.bank_account if current else None
            account = format_account(data["bank_account"]) if data["bank_account"] else "—"
            lead = t(lang, "pf.account_kept", account=esc(account)) + "\n\n"
            step = "rate"
        if step == "rate" and data.get("vat_exempt"):
            step = "days"  # an art. 113 seller issues "zw" lines only
        await svc.dialogs.set(chat_id, user_id, Dialog(FLOW, step, data))
        await send(context, chat_id, lead + t(lang, f"pf.ask_{step}"))
        return
    await _save(context, chat_id, user_id, lang, data)


def _prices_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "ivc.btn.net"), callback_data="pf:pr:net"),
        InlineKeyboardButton(t(lang, "ivc.btn.gross"), callback_data="pf:pr:gross")]])


ACTIONS: dict[str, Spec] = {"pr": (Field.WORD,)}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """``pf:pr:net|gross``: the pricing method of new invoices, the profile's last question."""
    user_id, chat_id = ids(update)
    dialog = await context.services.dialogs.get(chat_id)
    choice = pressed.words[0]
    if dialog is None or dialog.flow != FLOW or dialog.step != "prices" or choice not in ("net", "gross"):
        await send(context, chat_id, t(lang, "stale_button"))
        return
    await _save(context, chat_id, user_id, lang, {**dialog.data, "prices": choice})


async def _save(context: Context, chat_id: int, user_id: int, lang: str, data: dict[str, Any]) -> None:
    svc = context.services
    try:
        profile = await svc.profiles.save(
            user_id, int(data["company_id"]), name=data["name"], address=list(data["address"]),
            vat_exempt=bool(data["vat_exempt"]), bank_account=data.get("bank_account"),
            default_rate=str(data.get("default_rate") or "23"), payment_days=int(data["payment_days"]),
            pattern=data["pattern"], reset=data["reset"], prices=str(data.get("prices") or "net"))
    except ServiceError as exc:
        await send(context, chat_id, error_message(lang, exc))
        return
    await svc.dialogs.clear(chat_id)
    text = t(lang, "pf.saved", name=esc(profile.name), address=esc(", ".join(profile.address)),
             vat=t(lang, "pf.vat_exempt" if profile.vat_exempt else "pf.vat_payer"),
             account=esc(format_account(profile.bank_account) if profile.bank_account else "—"),
             rate=esc(rate_text(profile.default_rate)),
             days=profile.payment_days, pattern=esc(profile.pattern))
    if not profile.vat_exempt:
        text += "\n" + t(lang, "ivc.profile.prices", method=t(lang, f"ivc.{profile.prices}"))
    await send(context, chat_id, text)

