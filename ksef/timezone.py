"""Poland's time zone: KSeF dates (issue dates, deadlines, working days) are Warsaw dates."""

from __future__ import annotations

from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")
