"""Invoice numbers: a pattern such as ``FV/{n}/{MM}/{YYYY}``, unique and without gaps per company and series.

The counter row is bumped with one ``UPDATE … RETURNING`` inside the transaction that also stores the
invoice, so two confirmations racing get two numbers (the row lock, or SQLite's write lock, orders
them) and a rolled-back invoice gives its number back.

The counter restarts every year (or month), so the pattern must show the period it restarts in: a
number must identify the invoice uniquely (VAT Act art. 106e ust. 1 pkt 2: "kolejny numer nadany w
ramach jednej lub więcej serii, który w sposób jednoznaczny identyfikuje fakturę"). ``{n}`` alone,
or ``{n}/{MM}``, would give next year's invoices this year's numbers, so such patterns are refused
when saved, naming a valid one; a pattern stored before that rule gets a clear refusal instead of a
duplicate number (see :func:`next_number`).
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.errors import ServiceError
from bot.store.models_issuing import InvoiceCounter, IssuedInvoice

DEFAULT_PATTERN = "FV/{n}/{MM}/{YYYY}"
RESETS = ("monthly", "yearly")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KNOWN = {"n", "MM", "YYYY", "YY"}
MAX_PATTERN = 100


def check_pattern(pattern: str, reset: str = "yearly") -> str:
    """The pattern cleaned, or ServiceError: it needs ``{n}`` and the year (``{YYYY}`` or ``{YY}``), and
    ``{MM}`` too when the numbering restarts monthly (``pattern_needs_year`` / ``pattern_needs_month``)."""
    cleaned = pattern.strip()
    names = _PLACEHOLDER.findall(cleaned)
    if (not cleaned or len(cleaned) > MAX_PATTERN or "n" not in names or any(n not in _KNOWN for n in names)
            or _PLACEHOLDER.sub("", cleaned).count("{") or _PLACEHOLDER.sub("", cleaned).count("}")):
        raise ServiceError("pattern_invalid")
    if not _shows_period(names, "yearly"):
        raise ServiceError("pattern_needs_year")
    if not _shows_period(names, reset):
        raise ServiceError("pattern_needs_month")
    return cleaned


def _shows_period(names: list[str], reset: str) -> bool:
    """True when numbers of different counter periods can never be equal (the period is in them)."""
    has_year = "YYYY" in names or "YY" in names
    return has_year and ("MM" in names or reset != "monthly")


def period_of(reset: str, day: date) -> str:
    """The counter period a date falls into: ``2026-11`` (monthly) or ``2026`` (yearly)."""
    return f"{day:%Y-%m}" if reset == "monthly" else f"{day:%Y}"


def format_number(pattern: str, n: int, day: date) -> str:
    """``FV/{n}/{MM}/{YYYY}`` → ``FV/7/11/2026``."""
    values = {"n": str(n), "MM": f"{day:%m}", "YYYY": f"{day:%Y}", "YY": f"{day:%y}"}
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], pattern)


async def next_number(session: AsyncSession, company_id: int, pattern: str, reset: str, day: date) -> str:
    """Take the next number of the series in the caller's transaction (make it the first write there).

    A number the company already used (a yearless pattern saved before :func:`check_pattern` refused
    them, restarting in a new period) raises ``number_taken``: the transaction, counter included, rolls
    back and the user is told to set a pattern with the year."""
    number = await _bump(session, company_id, pattern, reset, day)
    if not _shows_period(_PLACEHOLDER.findall(pattern), reset):
        taken = await session.scalar(select(IssuedInvoice.id).where(
            IssuedInvoice.company_id == company_id, IssuedInvoice.number == number).limit(1))
        if taken is not None:
            raise ServiceError("number_taken", number=number)
    return number


async def _bump(session: AsyncSession, company_id: int, pattern: str, reset: str, day: date) -> str:
    period = period_of(reset, day)
    for _ in range(3):
        bumped = (await session.execute(
            update(InvoiceCounter)
            .where(InvoiceCounter.company_id == company_id, InvoiceCounter.series == pattern,
                   InvoiceCounter.period == period)
            .values(last=InvoiceCounter.last + 1).returning(InvoiceCounter.last))).scalar_one_or_none()
        if bumped is not None:
            return format_number(pattern, bumped, day)
        try:
            async with session.begin_nested():  # the first number of a period: another may insert it too
                session.add(InvoiceCounter(company_id=company_id, series=pattern, period=period, last=1))
            return format_number(pattern, 1, day)
        except IntegrityError:
            continue  # lost the race to create the row: bump the row the winner made
    raise ServiceError("numbering_busy")
