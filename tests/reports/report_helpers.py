"""Values the report tests share: the week they report on, the history generator's call, staff users."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group

from fixtures.report_incidents import HistorySpec, generate_history
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles
from reports.periods import Period

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# A finished week, Monday to Sunday, well in the past so that the tests' own clock never matters.
WEEK = Period(date(2026, 3, 2), date(2026, 3, 8))


def history(world, *, count: int, seed: int = 7, weeks_before: int = 3, communes=None) -> list[int]:
    start = datetime.combine(WEEK.first - timedelta(weeks=weeks_before), time(0), ZONE)
    return generate_history(HistorySpec(start=start, end=WEEK.end, count=count, seed=seed),
                            communes=communes or world["communes"], categories=world["categories"],
                            agencies=world["agencies"], camera_category=world["camera"])


def staff(username: str, role: str, org: OrgUnit | None, *, email: str | None = None) -> User:
    sync_roles()
    user = User.objects.create_user(username, password="a-long-test-password", org_unit=org,
                                    email=email if email is not None else f"{username}@example.org")
    user.groups.add(Group.objects.get(name=role))
    return user
