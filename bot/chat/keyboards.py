"""Inline keyboards and their compact callback data (at most 64 bytes, state lives in the database)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import t


def guide(lang: str, flow: str, step: str, *, back: bool = True,
          skip: str | None = None) -> InlineKeyboardMarkup:
    """Next / Back / Stop for a guide step (``step`` is checked when pressed, so old buttons do nothing)."""
    row = []
    if back:
        row.append(InlineKeyboardButton(t(lang, "btn.back"), callback_data=f"g:back:{flow}:{step}"))
    row.append(InlineKeyboardButton(t(lang, "btn.next"), callback_data=f"g:next:{flow}:{step}"))
    rows = [row]
    if skip:
        rows.append([InlineKeyboardButton(t(lang, skip), callback_data=f"g:skip:{flow}:{step}")])
    rows.append([InlineKeyboardButton(t(lang, "btn.stop"), callback_data="g:stop")])
    return InlineKeyboardMarkup(rows)


def prompt(lang: str, flow: str, step: str) -> InlineKeyboardMarkup:
    """Back / Stop under a question that waits for typed input or a file."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, "btn.back"), callback_data=f"g:back:{flow}:{step}"),
        InlineKeyboardButton(t(lang, "btn.stop"), callback_data="g:stop"),
    ]])


def company(lang: str, company_id: int, *, owner: bool, active: bool,
            certificates: list[tuple[int, str]], token: bool = True,
            tokens_ended: bool = False) -> InlineKeyboardMarkup:
    """A company's buttons in /ksef; "replace token" only where the company logs in with a token, and once
    tokens no longer work (``tokens_ended``) the switch to a certificate (``ac:sw``) instead."""
    rows: list[list[InlineKeyboardButton]] = []
    if not active:
        rows.append([InlineKeyboardButton(t(lang, "btn.switch"), callback_data=f"co:sw:{company_id}")])
    if owner:
        replace = InlineKeyboardButton(t(lang, "btn.replace_token"), callback_data=f"co:tok:{company_id}")
        login = [InlineKeyboardButton(t(lang, "btn.auth_switch"), callback_data="ac:sw") if tokens_ended
                 else replace]
        rows.append([*(login if token else []),
                     InlineKeyboardButton(t(lang, "btn.add_cert"), callback_data=f"co:cert:{company_id}")])
        rows.extend([InlineKeyboardButton(t(lang, "btn.remove_cert", name=name[:30]),
                                          callback_data=f"co:crm:{cert_id}")]
                    for cert_id, name in certificates)
        rows.append([
            InlineKeyboardButton(t(lang, "btn.invite"), callback_data=f"co:inv:{company_id}"),
            InlineKeyboardButton(t(lang, "btn.members"), callback_data=f"co:mem:{company_id}"),
        ])
        rows.append([InlineKeyboardButton(t(lang, "btn.remove_company"),
                                          callback_data=f"co:rm:{company_id}")])
    else:
        rows.append([InlineKeyboardButton(t(lang, "btn.leave_company"),
                                          callback_data=f"co:rm:{company_id}")])
    return InlineKeyboardMarkup(rows)


def confirm(lang: str, yes_data: str, no_data: str, yes_key: str = "btn.yes_remove") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(t(lang, yes_key), callback_data=yes_data),
        InlineKeyboardButton(t(lang, "btn.no"), callback_data=no_data),
    ]])


def single(text: str, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data)]])


def languages() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Polski", callback_data="lang:pl"),
        InlineKeyboardButton("English", callback_data="lang:en"),
    ]])
