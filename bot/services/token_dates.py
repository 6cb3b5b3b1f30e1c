"""The dates of the end of KSeF tokens: until when tokens work, and when the bot reminds users to switch
to a certificate. Shared by connecting (which schedules the reminders) and the reminders themselves."""

from __future__ import annotations

from datetime import date, datetime

from ksef.timezone import WARSAW

# Tokens generated from 1 Feb 2026 work only until the end of 2026
# (https://github.com/CIRFMF/ksef-api/issues/834).
LIMITED_FROM = date(2026, 2, 1)
LIMITED_UNTIL = datetime(2026, 12, 31, 23, 59, 59, tzinfo=WARSAW)
DECEMBER_REMINDER = datetime(2026, 12, 1, 9, 0, tzinfo=WARSAW)
# From this moment those tokens no longer log in; a refused token login then means "switch to a certificate".
TOKENS_END = datetime(2027, 1, 1, tzinfo=WARSAW)
# Reminders to switch to certificate login: the 1st of each month and once more just before the end.
LAST_SWITCH_REMINDER = datetime(2026, 12, 28, 9, 0, tzinfo=WARSAW)


def token_failure_code(now: datetime) -> str:
    """The error code for a token login KSeF refused: from 1 Jan 2027 the end of tokens explains it."""
    return "tokens_ended" if now >= TOKENS_END else "token_rejected"


def switch_reminder_dates(now: datetime) -> list[datetime]:
    """Monthly reminders to switch to a certificate, the 1st of each month before December (future only).

    December is covered by the ``token_expiry`` notice on 1 Dec, which, once sent, schedules the last one
    (:data:`LAST_SWITCH_REMINDER`, see ``ReminderService.mark_sent``)."""
    local = now.astimezone(WARSAW)
    dates: list[datetime] = []
    year, month = local.year, local.month
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        moment = datetime(year, month, 1, 9, 0, tzinfo=WARSAW)
        if moment >= DECEMBER_REMINDER:
            return dates
        dates.append(moment)


def token_days_left(now: datetime) -> int:
    """Whole days tokens still log in, today included (31 Dec: 1; from 1 Jan 2027: 0): what the user is
    told after connecting with a token, computed from the clock, never written into a text."""
    today = now.astimezone(WARSAW).date()
    return max(0, (TOKENS_END.date() - today).days)


def tokens_ended(now: datetime) -> bool:
    """Token logins are over (under the rules known today, DIGEST §17.3): offer certificates only."""
    return now >= TOKENS_END
