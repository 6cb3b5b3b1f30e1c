"""``/ksef``: each connected company with its token and certificates; switch, replace, remove, share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from telegram import InlineKeyboardMarkup, Update
from telegram.helpers import create_deep_linked_url

from bot.chat import cert_login, certificates, keyboards, onboarding
from bot.chat.callbacks import Field, Pressed, Spec
from bot.chat.common import Context, display_env, error_text, ids, language, send
from bot.i18n import esc, fmt_date, plain, plural, t
from bot.i18n.limits import fit
from bot.services.companies import CertificateView, CompanyView, Removal, UnfinishedInvoices
from bot.services.errors import ServiceError
from bot.services.token_dates import LIMITED_UNTIL, tokens_ended
from ksef.certs import CertType


def removal_items(lang: str, removal: Removal) -> str:
    """What removing the company deletes, as a list in a sentence."""
    items = [t(lang, "rm.token")]
    if removal.certificates:
        items.append(t(lang, "rm.certificates", count=removal.certificates))
    if removal.received_invoices:
        items.append(t(lang, "rm.received", count=removal.received_invoices))
    if removal.issued_invoices:
        items.append(t(lang, "rm.issued", count=removal.issued_invoices))
    items.append(t(lang, "rm.settings"))
    return ", ".join(items)


def unfinished_text(lang: str, removals: Sequence[Removal], lead: str | None = None) -> str:
    """Why the companies cannot be removed now: their invoices still on their way to KSeF."""
    head = [t(lang, lead)] if lead else []
    lines: list[str] = []
    for removal in removals:
        lines.append(t(lang, "rm.unfinished", nip=removal.nip, count=len(removal.unfinished)))
        for invoice in removal.unfinished:
            state = t(lang, f"rm.state.{invoice.state}",
                      deadline=fmt_date(lang, invoice.deadline) if invoice.deadline else "—")
            lines.append(t(lang, "rm.line", number=esc(invoice.number), state=state))
    return fit(head, lines, [t(lang, "rm.unfinished_why")],
               more=lambda count: t(lang, "more_items", count=count))


def describe(lang: str, company: CompanyView, now: datetime) -> str:
    """The text block of one company."""
    now_iso = now.isoformat()
    lines = [t(lang, "ksef.company", nip=company.nip,
               active=t(lang, "ksef.active") if company.active else "",
               environment=esc(display_env(lang, company.environment)),
               role=t(lang, "ksef.role_member") if company.role != "owner" else "")]
    lines.append(login_line(lang, company, now))
    if not company.certificates:
        lines.append(t(lang, "ksef.certs_none"))
    for cert in company.certificates:
        key = "ksef.cert_line_expired" if cert.not_after.isoformat() <= now_iso else "ksef.cert_line"
        lines.append(t(lang, key, name=esc(cert.name), cert_type=cert_type_name(lang, cert.cert_type),
                       serial=cert.serial_hex, until=fmt_date(lang, cert.not_after)))
    return "\n".join(lines)


def login_line(lang: str, company: CompanyView, now: datetime) -> str:
    """How the bot logs in to KSeF for the company: its token (until when it works, or since when it no
    longer does) or its authentication certificate (until when it is valid), or that it cannot log in yet."""
    token = company.token
    if token is not None and not tokens_ended(now):
        if token.valid_until is not None:
            return t(lang, "ksef.login_token_until", until=fmt_date(lang, token.valid_until),
                     checked=fmt_date(lang, token.checked_at))
        return t(lang, "ksef.login_token", checked=fmt_date(lang, token.checked_at))
    newest = login_certificate(company, now)
    if newest is not None:
        return t(lang, "ksef.login_cert", serial=newest.serial_hex, until=fmt_date(lang, newest.not_after))
    if token is not None:
        # Token logins ended with 2026 (DIGEST §17.3): the day is computed, never written into the text.
        return t(lang, "ksef.login_token_ended", until=fmt_date(lang, LIMITED_UNTIL))
    return t(lang, "ksef.login_none")


def login_certificate(company: CompanyView, now: datetime) -> CertificateView | None:
    """The company's valid authentication certificate that expires last (the bot logs in with it)."""
    now_iso = now.isoformat()
    logins = [c for c in company.certificates
              if c.cert_type == CertType.AUTHENTICATION.value and c.not_after.isoformat() > now_iso]
    return max(logins, key=lambda c: c.not_after) if logins else None


def token_login(company: CompanyView, now: datetime) -> bool:
    """The token is how the company logs in: it has one, and after 2026 no certificate took its place
    (then its card offers the switch to a certificate rather than a new token)."""
    replaced = tokens_ended(now) and login_certificate(company, now) is not None
    return company.token is not None and not replaced


def cert_type_name(lang: str, cert_type: str) -> str:
    """A certificate's type as a user knows it ("uwierzytelniający, do logowania")."""
    known = {CertType.AUTHENTICATION.value: "ksef.cert_type.auth",
             CertType.OFFLINE.value: "ksef.cert_type.offline"}
    return t(lang, known[cert_type]) if cert_type in known else esc(cert_type)


async def command(update: Update, context: Context) -> None:
    """/ksef: one message per company, with its buttons."""
    user_id, chat_id = ids(update)
    lang = await language(context, user_id)
    svc = context.services
    found = await svc.companies.list(user_id)
    if not found:
        await send(context, chat_id, t(lang, "ksef.none"))
        return
    await send(context, chat_id, t(lang, "ksef.header", count=plural(lang, len(found), "companies")))
    now = svc.clock()
    for company in found:
        markup = keyboards.company(lang, company.id, owner=company.role == "owner", active=company.active,
                                   certificates=[(c.id, plain(c.name)) for c in company.certificates],
                                   token=token_login(company, now), tokens_ended=tokens_ended(now))
        await send(context, chat_id, describe(lang, company, now), markup)
    await send(context, chat_id, t(lang, "ksef.add_more"),
               keyboards.single(t(lang, "btn.add_company"), "co:add:0"))


ACTIONS: dict[str, Spec] = {
    **{action: (Field.ID,)
       for action in ("add", "sw", "tok", "cert", "crm", "inv", "mem", "rm", "rmy", "keep")},
    "mrm": (Field.ID, Field.USER),
}


async def on_callback(update: Update, context: Context, lang: str, pressed: Pressed) -> None:
    """Buttons ``co:<action>:<id>[:<user>]``; every action re-checks access in the service."""
    user_id, chat_id = ids(update)
    svc = context.services
    action, target = pressed.action, pressed.id
    try:
        if action == "add":
            await onboarding.start(update, context)
        elif action == "sw":
            company = await svc.companies.switch(user_id, target)
            await send(context, chat_id, t(lang, "switched", nip=company.nip))
        elif action == "tok":
            company = await svc.companies.get(user_id, target)
            if company.role != "owner":
                raise ServiceError("not_owner", nip=company.nip)
            if tokens_ended(svc.clock()):  # an old /ksef message: no token works any more
                await send(context, chat_id, t(lang, "tokens_over"), cert_login.switch_button(lang))
                return
            await onboarding.begin_replace(context, user_id, chat_id, lang, company.nip)
        elif action == "cert":
            await certificates.begin(context, user_id, chat_id, lang, target)
        elif action == "crm":
            await svc.companies.remove_certificate(user_id, target)
            await send(context, chat_id, t(lang, "cert_removed"))
        elif action == "inv":
            company = await svc.companies.get(user_id, target)
            payload = await svc.members.invite(user_id, target)
            link = create_deep_linked_url(context.bot.username, payload)
            await send(context, chat_id, t(lang, "invite_link", nip=company.nip, link=esc(link)))
        elif action == "mem":
            await show_members(context, user_id, chat_id, lang, target)
        elif action == "mrm":
            member_id = pressed.ids[1]
            company = await svc.companies.get(user_id, target)
            await svc.members.remove(user_id, target, member_id)
            await send(context, chat_id, t(lang, "member_removed", user_id=member_id, nip=company.nip))
        elif action == "rm":
            removal = await svc.companies.removal(user_id, target)
            if removal.unfinished and removal.owner:
                await send(context, chat_id, unfinished_text(lang, [removal]))
                return
            text = t(lang, "confirm_leave_company", nip=removal.nip)
            if removal.owner:
                text = t(lang, "confirm_remove_company", nip=removal.nip) + "\n\n" + t(
                    lang, "rm.deletes", items=removal_items(lang, removal))
                if removal.other_members:
                    text += " " + t(lang, "rm.members", count=removal.other_members)
            await send(context, chat_id, text, keyboards.confirm(lang, f"co:rmy:{target}", "co:keep:0"))
        elif action == "rmy":
            company = await svc.companies.get(user_id, target)
            nip = await svc.companies.remove(user_id, target)
            done = "company_removed" if company.role == "owner" else "company_left"
            await send(context, chat_id, t(lang, done, nip=nip))
        elif action == "keep":
            await send(context, chat_id, t(lang, "kept"))
    except UnfinishedInvoices as exc:  # an invoice began its way to KSeF since the confirmation was shown
        await send(context, chat_id, unfinished_text(lang, exc.removals))
    except ServiceError as exc:
        await send(context, chat_id, error_text(lang, exc))


async def show_members(context: Context, user_id: int, chat_id: int, lang: str, company_id: int) -> None:
    svc = context.services
    company = await svc.companies.get(user_id, company_id)
    members = await svc.members.list(user_id, company_id)
    lines = [t(lang, "members.line", user_id=m.user_id, role=t(lang, f"members.{m.role}")) for m in members]
    others = [m for m in members if m.role != "owner"]
    tail = [] if others else [t(lang, "members.none")]
    text = fit([t(lang, "members.header", nip=company.nip)], lines, tail,
               more=lambda count: t(lang, "more_items", count=count))
    rows = [[keyboards.single(t(lang, "btn.remove_member", user_id=m.user_id),
                              f"co:mrm:{company_id}:{m.user_id}").inline_keyboard[0][0]] for m in others]
    # Telegram refuses very large keyboards (about 100 buttons); more members than that is no sole trader's.
    await send(context, chat_id, text, InlineKeyboardMarkup(rows[:90]) if rows else None)
