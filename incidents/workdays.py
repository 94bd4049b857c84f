"""Deadlines on Việt Nam's working-day calendar: weekends, public holidays (Tết included), swapped days.

The holidays package keeps the calendar, including the Saturdays worked in exchange for a bridge day off.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

__all__ = ["WORKDAY_END", "is_working_day", "deadline_for", "working_days_between", "holiday_name"]

# Offices close at 17:00; a deadline falls at the close of its day.
WORKDAY_END = time(17, 0)


@lru_cache(maxsize=1)
def _calendar() -> holidays.HolidayBase:
    # expand=True (the default) adds years as they are asked for.
    return holidays.country_holidays("VN", language="vi")


def is_working_day(day: date) -> bool:
    return _calendar().is_working_day(day)


def holiday_name(day: date) -> str | None:
    return _calendar().get(day)


def deadline_for(received: datetime, days: int) -> datetime:
    """The close of the `days`-th working day after the day `received` (local time).

    A report received on a non-working day, or after hours, counts from the next working day;
    `days=0` means by the close of the day it is counted from.
    """
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    local = timezone.localtime(received)
    start = local.date()
    if not is_working_day(start) or local.time() >= WORKDAY_END:
        start = _calendar().get_nth_working_day(start + timedelta(days=1), 0)
    due = _calendar().get_nth_working_day(start, days) if days else start
    return timezone.make_aware(datetime.combine(due, WORKDAY_END), timezone.get_current_timezone())


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]: how many the handling took."""
    if end <= start:
        return 0
    return _calendar().get_working_days_count(start + timedelta(days=1), end)
