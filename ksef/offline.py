"""Offline invoicing modes and their legal sending deadlines (docs/ksef.md#offline-modes).

| mode            | deadline to send to KSeF                                          |
|-----------------|-------------------------------------------------------------------|
| ``OFFLINE24``   | next working day after the issue date (P_1)                       |
| ``OFFLINE``     | next working day after the announced unavailability ends          |
| ``AWARYJNY``    | 7 working days after the (last) announced failure ends            |
| ``TOTAL_FAILURE`` | no obligation to send; no QR codes                              |

Working days: Monday–Friday except Polish public holidays. All dates are calendar dates in Poland
(Europe/Warsaw) — use :func:`today_in_poland` rather than the server's UTC date.

Holidays and the ``conservative`` flag
--------------------------------------
The treatment of public holidays is UNCONFIRMED (the official worked example contains
none). In Polish law a "dzień roboczy" excludes statutory public holidays, so the *legal* deadline
skips them, and that is what the functions return by default. But a deadline that turns out one day
too late is the harmful error (the invoice would be sent late), while one day too early costs
nothing. So every function also takes ``conservative=True``, which skips weekends only; the bot
uploads and warns by that earlier date and may show the legal one as the final limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache

import holidays

from ksef.errors import KsefValidationError
from ksef.timezone import WARSAW

FAILURE_WORKING_DAYS = 7


class OfflineMode(StrEnum):
    """The modes in which an invoice may be issued outside KSeF and sent later."""

    OFFLINE24 = "offline24"  # taxpayer's choice, always allowed (art. 106nda)
    OFFLINE = "offline"  # announced unavailability of KSeF, incl. maintenance (art. 106nh)
    AWARYJNY = "awaryjny"  # announced failure (art. 106nf)
    TOTAL_FAILURE = "total_failure"  # total failure announced in mass media: no sending obligation


def today_in_poland(now: datetime | None = None) -> date:
    """The calendar date in Poland (deadlines and P_1 are Polish dates, not UTC ones)."""
    moment = now or datetime.now(WARSAW)
    if moment.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return moment.astimezone(WARSAW).date()


@cache
def _polish_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("PL", years=year))


def is_public_holiday(day: date) -> bool:
    """True on a Polish statutory public holiday (from the ``holidays`` package)."""
    return day in _polish_holidays(day.year)


def is_working_day(day: date, *, conservative: bool = False) -> bool:
    """Monday–Friday and, unless ``conservative``, not a Polish public holiday."""
    if day.weekday() >= 5:
        return False
    return conservative or not is_public_holiday(day)


def next_working_day(day: date, *, conservative: bool = False) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(day, 1, conservative=conservative)


def add_working_days(day: date, n: int, *, conservative: bool = False) -> date:
    """The ``n``-th working day after ``day`` (counting starts the day after; ``n=0`` → ``day``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    for _ in range(n):
        current += timedelta(days=1)
        while not is_working_day(current, conservative=conservative):
            current += timedelta(days=1)
    return current


def send_deadline(mode: OfflineMode, issue_date: date, *, unavailability_end: date | None = None,
                  failure_ends: Sequence[date] = (), total_failure_announced: bool = False,
                  conservative: bool = False) -> date | None:
    """The last day on which an offline invoice must be sent to KSeF; None when there is no obligation.

    ``unavailability_end`` is needed for ``OFFLINE``; ``failure_ends`` (end dates of announced
    failures) for ``AWARYJNY``. Failures announced while an ``OFFLINE24``/``OFFLINE`` invoice is
    waiting may also be passed: the deadline then moves to 7 working days after the last failure
    end (docs/ksef.md#offline-modes). Failures that ended before the issue date cannot have been announced
    while the invoice waited and are ignored; a failure never brings a deadline forward. Pass only
    failures that have ended: while one lasts, no deadline can be computed yet.
    ``total_failure_announced``: a total failure announced while the invoice waits cancels the
    obligation in every mode (None).
    """
    if mode is OfflineMode.TOTAL_FAILURE or total_failure_announced:
        return None
    relevant = [end for end in failure_ends if end >= issue_date]
    if mode is OfflineMode.OFFLINE24:
        deadline = next_working_day(issue_date, conservative=conservative)
    elif mode is OfflineMode.OFFLINE:
        if unavailability_end is None:
            raise KsefValidationError("tryb offline: podaj datę zakończenia niedostępności KSeF")
        deadline = next_working_day(max(unavailability_end, issue_date), conservative=conservative)
    elif mode is OfflineMode.AWARYJNY:
        if not relevant:
            raise KsefValidationError("tryb awaryjny: podaj datę zakończenia awarii KSeF")
        deadline = issue_date  # replaced just below
    else:  # pragma: no cover - exhaustive over the enum
        raise KsefValidationError(f"nieznany tryb {mode!r}")
    if relevant:
        after_failure = add_working_days(max(relevant), FAILURE_WORKING_DAYS, conservative=conservative)
        deadline = max(deadline, after_failure)
    return deadline


@dataclass(frozen=True)
class SendDeadlines:
    """Both readings of a deadline: the legal one and the earlier, holiday-blind one to act by."""

    legal: date | None
    conservative: date | None


def send_deadlines(mode: OfflineMode, issue_date: date, *, unavailability_end: date | None = None,
                   failure_ends: Sequence[date] = (), total_failure_announced: bool = False) -> SendDeadlines:
    """:func:`send_deadline` computed both ways (see the module docstring for why)."""
    return SendDeadlines(
        legal=send_deadline(mode, issue_date, unavailability_end=unavailability_end,
                            failure_ends=failure_ends, total_failure_announced=total_failure_announced),
        conservative=send_deadline(mode, issue_date, unavailability_end=unavailability_end,
                                   failure_ends=failure_ends, total_failure_announced=total_failure_announced,
                                   conservative=True),
    )


# Latarnia status → the mode it announces (our reading, UNCONFIRMED as a formal rule:
# docs/ksef.md#availability-latarnia).
_STATUS_MODES = {
    "MAINTENANCE": OfflineMode.OFFLINE,
    "FAILURE": OfflineMode.AWARYJNY,
    "TOTAL_FAILURE": OfflineMode.TOTAL_FAILURE,
}


def mode_for_status(latarnia_status: str | None, *, transport_errors: bool = False) -> OfflineMode | None:
    """Which offline mode the current situation implies; None when KSeF should simply be used.

    An announced state (Latarnia ``MAINTENANCE``/``FAILURE``/``TOTAL_FAILURE``) wins. Without one,
    our own transport errors permit only ``OFFLINE24`` — they are no announcement, and neither is an
    error of Latarnia itself (pass ``latarnia_status=None`` then).
    """
    if latarnia_status is not None:
        mode = _STATUS_MODES.get(latarnia_status.strip().upper())
        if mode is not None:
            return mode
    return OfflineMode.OFFLINE24 if transport_errors else None


def allowed_modes(latarnia_status: str | None) -> frozenset[OfflineMode]:
    """Modes a taxpayer may use now: ``OFFLINE24`` always, plus the one an announcement opens."""
    announced = mode_for_status(latarnia_status)
    return frozenset({OfflineMode.OFFLINE24} | ({announced} if announced else set()))


def qr_codes_required(mode: OfflineMode | None) -> bool:
    """Whether the printout carries QR codes: KOD I (online) or KOD I + KOD II (offline modes).

    Invoices issued during a total failure carry none. ``None`` stands for an online invoice.
    """
    return mode is not OfflineMode.TOTAL_FAILURE


def kod2_required(mode: OfflineMode | None) -> bool:
    """Whether KOD II (signed with the Offline certificate) must be printed: offline modes only."""
    return mode is not None and mode is not OfflineMode.TOTAL_FAILURE
