"""Deadlines on Việt Nam's working days: weekends, Tết, swapped Saturdays, after-hours receipt."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from incidents.workdays import deadline_for, holiday_name, is_working_day, working_days_between

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(*args) -> datetime:
    return datetime(*args, tzinfo=VN)


def test_tet_2027_is_skipped():
    # Wednesday 3 Feb 2027 at 10:00, three working days: 4 Feb to 10 Feb is Tết, so 11, 12 and 15 Feb.
    assert holiday_name(_at(2027, 2, 6).date()) == "Tết Nguyên Đán"
    assert deadline_for(_at(2027, 2, 3, 10), 3) == _at(2027, 2, 15, 17)


def test_weekends_and_after_hours():
    # Friday 4 Dec 2026 at 18:00 counts from Monday 7 Dec: one working day ends Tuesday 8 Dec, 17:00.
    assert deadline_for(_at(2026, 12, 4, 18), 1) == _at(2026, 12, 8, 17)
    # Saturday: same as the Monday morning.
    assert deadline_for(_at(2026, 12, 5, 9), 0) == _at(2026, 12, 7, 17)
    assert deadline_for(_at(2026, 12, 7, 9), 0) == _at(2026, 12, 7, 17)


def test_a_saturday_worked_in_exchange_is_a_working_day():
    assert is_working_day(_at(2026, 8, 22).date())  # worked for the 31 August bridge day
    assert not is_working_day(_at(2026, 8, 31).date())
    assert not is_working_day(_at(2026, 9, 2).date())


def test_working_days_between():
    assert working_days_between(_at(2027, 2, 3).date(), _at(2027, 2, 15).date()) == 3
    assert working_days_between(_at(2027, 2, 3).date(), _at(2027, 2, 3).date()) == 0


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="0 or more"):
        deadline_for(_at(2026, 12, 7, 9), -1)
