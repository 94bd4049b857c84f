"""Report periods: half-open spans of local days, the weekly and monthly ones the beat asks for, and the checks
an ad-hoc range must pass. No Django here: the zone and the clock come in as arguments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["Period", "PeriodError", "week_before", "month_before", "check_range", "earlier_periods", "MAX_DAYS"]

MAX_DAYS = 3660  # ten years: long enough for any question, short enough to bound the work


class PeriodError(ValueError):
    """A date range that cannot be reported on; `field` names the input at fault."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Period:
    """[first, last] local days, i.e. [start, end) as aware datetimes in `zone`."""

    first: date
    last: date
    zone: str = "Asia/Ho_Chi_Minh"

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), ZoneInfo(self.zone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(0), ZoneInfo(self.zone))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def shifted(self, periods: int) -> Period:
        """The period `periods` lengths earlier (negative) or later; months stay calendar months."""
        if self.is_month:
            year, month = self.first.year, self.first.month + periods
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
            first = date(year, month, 1)
            return Period(first, _month_end(first), self.zone)
        step = timedelta(days=self.days * periods)
        return Period(self.first + step, self.last + step, self.zone)

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self.last == _month_end(self.first)

    @property
    def label(self) -> str:
        return f"{self.first:%d/%m/%Y} – {self.last:%d/%m/%Y}"


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def week_before(now: datetime, zone: str = "Asia/Ho_Chi_Minh") -> Period:
    """The last whole week, Monday to Sunday, before `now` (the Monday 07:00 run reports the week just ended)."""
    today = now.astimezone(ZoneInfo(zone)).date()
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(days=7), monday - timedelta(days=1), zone)


def month_before(now: datetime, zone: str = "Asia/Ho_Chi_Minh") -> Period:
    today = now.astimezone(ZoneInfo(zone)).date()
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last, zone)


def earlier_periods(period: Period, count: int) -> list[Period]:
    """`count` periods of the same length right before `period`, oldest first, then `period` itself."""
    return [period.shifted(-k) for k in range(count, 0, -1)] + [period]


def check_range(first: date | None, last: date | None, *, now: datetime, zone: str = "Asia/Ho_Chi_Minh") -> Period:
    """An ad-hoc range of whole, finished days: re-running it later must give the same figures."""
    if first is None:
        raise PeriodError("Give the first day of the range (start=YYYY-MM-DD).", field="start")
    if last is None:
        raise PeriodError("Give the last day of the range (end=YYYY-MM-DD).", field="end")
    if last < first:
        raise PeriodError(f"The range is inverted: it ends ({last:%d/%m/%Y}) before it starts ({first:%d/%m/%Y}).",
                          field="end")
    today = now.astimezone(ZoneInfo(zone)).date()
    if last >= today:
        raise PeriodError(f"The range must end by yesterday ({today - timedelta(days=1):%d/%m/%Y}): a day still "
                          f"under way, or in the future, would give other figures when run again.", field="end")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError(f"The range is longer than {MAX_DAYS} days.", field="start")
    return Period(first, last, zone)
