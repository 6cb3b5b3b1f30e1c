"""Offline modes, working days with Polish holidays, and sending deadlines (docs/ksef.md#offline-modes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ksef.errors import KsefValidationError
from ksef.offline import (
    OfflineMode,
    add_working_days,
    allowed_modes,
    is_public_holiday,
    is_working_day,
    kod2_required,
    mode_for_status,
    next_working_day,
    qr_codes_required,
    send_deadline,
    send_deadlines,
    today_in_poland,
)


def test_docs_worked_example() -> None:
    # MF's worked example (guide tryby-offline.md): issued Wed 2025-07-08 in offline24 → due Thu 07-09;
    # a failure announced on 07-09 ends Sat 07-12 → the deadline moves to Tue 2025-07-22 (7 working days,
    # weekends skipped).
    issued = date(2025, 7, 8)
    assert send_deadline(OfflineMode.OFFLINE24, issued) == date(2025, 7, 9)
    moved = send_deadline(OfflineMode.OFFLINE24, issued, failure_ends=[date(2025, 7, 12)])
    assert moved == date(2025, 7, 22)
    assert send_deadline(OfflineMode.AWARYJNY, issued, failure_ends=[date(2025, 7, 12)]) == date(2025, 7, 22)
    # No holidays in that span: both readings agree.
    both = send_deadlines(OfflineMode.OFFLINE24, issued, failure_ends=[date(2025, 7, 12)])
    assert both.legal == both.conservative == date(2025, 7, 22)


def test_weekends_are_skipped() -> None:
    assert next_working_day(date(2026, 3, 13)) == date(2026, 3, 16)  # Fri → Mon
    assert next_working_day(date(2026, 3, 14)) == date(2026, 3, 16)  # Sat → Mon
    assert next_working_day(date(2026, 3, 16)) == date(2026, 3, 17)  # Mon → Tue
    assert add_working_days(date(2026, 3, 13), 0) == date(2026, 3, 13)
    assert add_working_days(date(2026, 3, 13), 5) == date(2026, 3, 20)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 13), -1)


@pytest.mark.parametrize(("issued", "legal", "conservative"), [
    # Christmas 2026: Thu 24 (Wigilia, a holiday since 2025), Fri 25, Sat 26 → Mon 28.
    (date(2026, 12, 23), date(2026, 12, 28), date(2026, 12, 24)),
    # Independence Day, Wed 2026-11-11.
    (date(2026, 11, 10), date(2026, 11, 12), date(2026, 11, 11)),
    # Easter Monday 2026-04-06 after Good Friday (a working day in Poland).
    (date(2026, 4, 3), date(2026, 4, 7), date(2026, 4, 6)),
    # New Year's Day 2027 falls on a Friday.
    (date(2026, 12, 31), date(2027, 1, 4), date(2027, 1, 1)),
])
def test_offline24_deadline_skips_polish_holidays(issued: date, legal: date, conservative: date) -> None:
    assert send_deadline(OfflineMode.OFFLINE24, issued) == legal
    assert send_deadline(OfflineMode.OFFLINE24, issued, conservative=True) == conservative
    pair = send_deadlines(OfflineMode.OFFLINE24, issued)
    assert (pair.legal, pair.conservative) == (legal, conservative)


def test_holiday_calendar() -> None:
    for day in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26), date(2026, 11, 11),
                date(2026, 4, 6), date(2026, 1, 6), date(2026, 6, 4)):
        assert is_public_holiday(day), day
        assert not is_working_day(day)
    assert is_working_day(date(2026, 4, 3))  # Good Friday is not a holiday in Poland
    assert is_working_day(date(2026, 12, 24), conservative=True)
    assert not is_working_day(date(2026, 12, 26), conservative=True)  # a Saturday either way


def test_failure_over_christmas() -> None:
    # Failure ends Tue 2026-12-22; 7 working days: 23, 28, 29, 30, 31 Dec, 4, 5 Jan (24-25 Dec and
    # 1 Jan are holidays) → Tue 2027-01-05. Holiday-blind: 23, 24, 25, 28, 29, 30, 31 → 2026-12-31.
    pair = send_deadlines(OfflineMode.AWARYJNY, date(2026, 12, 21), failure_ends=[date(2026, 12, 22)])
    assert pair.legal == date(2027, 1, 5)
    assert pair.conservative == date(2026, 12, 31)


def test_last_failure_end_counts() -> None:
    ends = [date(2026, 3, 2), date(2026, 3, 10), date(2026, 3, 5)]  # any order
    assert send_deadline(OfflineMode.AWARYJNY, date(2026, 3, 2), failure_ends=ends) == date(2026, 3, 19)


def test_unavailability_mode() -> None:
    # Maintenance ends Fri 2026-05-01 (a holiday) → Mon 05-04 (Sat 2, Sun 3 = 3 May holiday).
    assert send_deadline(OfflineMode.OFFLINE, date(2026, 4, 30),
                         unavailability_end=date(2026, 5, 1)) == date(2026, 5, 4)
    # Ends Wed 2026-11-11... next working day is Thu the 12th; holiday-blind also 12th.
    assert send_deadline(OfflineMode.OFFLINE, date(2026, 11, 10),
                         unavailability_end=date(2026, 11, 11)) == date(2026, 11, 12)
    # Ends Tue 11-10 → legal Thu 11-12 (11-11 is a holiday), conservative Wed 11-11.
    pair = send_deadlines(OfflineMode.OFFLINE, date(2026, 11, 9), unavailability_end=date(2026, 11, 10))
    assert (pair.legal, pair.conservative) == (date(2026, 11, 12), date(2026, 11, 11))
    with pytest.raises(KsefValidationError):
        send_deadline(OfflineMode.OFFLINE, date(2026, 4, 30))


def test_failure_during_unavailability_moves_the_deadline() -> None:
    base = send_deadline(OfflineMode.OFFLINE, date(2026, 3, 2), unavailability_end=date(2026, 3, 3))
    moved = send_deadline(OfflineMode.OFFLINE, date(2026, 3, 2), unavailability_end=date(2026, 3, 3),
                          failure_ends=[date(2026, 3, 4)])
    assert base == date(2026, 3, 4)
    assert moved == date(2026, 3, 13)


def test_failures_before_the_invoice_are_ignored_and_never_shorten() -> None:
    issued = date(2026, 3, 10)
    assert send_deadline(OfflineMode.OFFLINE24, issued, failure_ends=[date(2026, 3, 1)]) == date(2026, 3, 11)
    with pytest.raises(KsefValidationError):
        send_deadline(OfflineMode.AWARYJNY, issued, failure_ends=[date(2026, 3, 1)])
    with pytest.raises(KsefValidationError):
        send_deadline(OfflineMode.AWARYJNY, issued)


def test_total_failure_has_no_deadline_and_no_qr_codes() -> None:
    assert send_deadline(OfflineMode.TOTAL_FAILURE, date(2026, 3, 10)) is None
    assert send_deadlines(OfflineMode.TOTAL_FAILURE, date(2026, 3, 10)).legal is None
    # A total failure announced while an offline24 invoice waits cancels its obligation too.
    assert send_deadline(OfflineMode.OFFLINE24, date(2026, 3, 10), total_failure_announced=True) is None
    assert send_deadlines(OfflineMode.AWARYJNY, date(2026, 3, 10), failure_ends=[date(2026, 3, 11)],
                          total_failure_announced=True).conservative is None
    assert not qr_codes_required(OfflineMode.TOTAL_FAILURE)
    assert not kod2_required(OfflineMode.TOTAL_FAILURE)
    for mode in (OfflineMode.OFFLINE24, OfflineMode.OFFLINE, OfflineMode.AWARYJNY):
        assert qr_codes_required(mode) and kod2_required(mode)
    assert qr_codes_required(None) and not kod2_required(None)  # online: KOD I only


def test_conservative_is_never_later_than_legal() -> None:
    start = date(2026, 1, 1)
    for offset in range(366):
        day = start + timedelta(days=offset)
        for mode, extra in ((OfflineMode.OFFLINE24, {}), (OfflineMode.AWARYJNY, {"failure_ends": [day]})):
            pair = send_deadlines(mode, day, **extra)  # type: ignore[arg-type]
            assert pair.legal is not None and pair.conservative is not None
            assert day < pair.conservative <= pair.legal
            assert is_working_day(pair.legal)


@pytest.mark.parametrize(("status", "errors", "expected"), [
    ("AVAILABLE", False, None),
    ("AVAILABLE", True, OfflineMode.OFFLINE24),
    ("MAINTENANCE", False, OfflineMode.OFFLINE),
    ("FAILURE", False, OfflineMode.AWARYJNY),
    ("failure", True, OfflineMode.AWARYJNY),
    ("TOTAL_FAILURE", False, OfflineMode.TOTAL_FAILURE),
    (None, True, OfflineMode.OFFLINE24),  # Latarnia itself down + our errors: no announcement
    (None, False, None),
    ("SOMETHING_NEW", False, None),
])
def test_mode_for_status(status: str | None, errors: bool, expected: OfflineMode | None) -> None:
    assert mode_for_status(status, transport_errors=errors) is expected


def test_allowed_modes() -> None:
    assert allowed_modes("AVAILABLE") == {OfflineMode.OFFLINE24}
    assert allowed_modes(None) == {OfflineMode.OFFLINE24}
    assert allowed_modes("FAILURE") == {OfflineMode.OFFLINE24, OfflineMode.AWARYJNY}
    assert allowed_modes("MAINTENANCE") == {OfflineMode.OFFLINE24, OfflineMode.OFFLINE}


def test_today_in_poland() -> None:
    assert today_in_poland(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert today_in_poland(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
    assert today_in_poland(datetime(2026, 7, 1, 22, 0, tzinfo=UTC)) == date(2026, 7, 2)
    with pytest.raises(ValueError):
        today_in_poland(datetime(2026, 7, 1, 12, 0))
