"""Who sees which reports: the province's staff see all; a district IOC's staff their district and its communes."""

from django.db.models import Q, QuerySet

from layers.models import AdminUnit
from portal.accounts.scope import district_of, is_district_bound

from .errors import AreaNotAllowed
from .models import ReportRun
from .records import Area

__all__ = ["can_view_reports", "can_run_reports", "visible_runs", "check_area_allowed"]


def can_view_reports(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("reports.view_reportrun"))


def can_run_reports(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("reports.run_report"))


def _district_codes(district: AdminUnit) -> tuple[set[str], set[str]]:
    communes = AdminUnit.objects.filter(level="commune", parent__level="district", parent__code=district.code)
    return {district.code}, set(communes.values_list("code", flat=True))


def visible_runs(user) -> QuerySet[ReportRun]:
    runs = ReportRun.objects.all()
    if not can_view_reports(user):
        return runs.none()
    if not is_district_bound(user):
        return runs
    district = district_of(user)
    if district is None:
        return runs.none()  # a district IOC without its territory set sees nothing rather than everything
    districts, communes = _district_codes(district)
    return runs.filter(Q(area_level="district", area_code__in=districts) | Q(area_level="commune",
                                                                             area_code__in=communes))


def check_area_allowed(user, area: Area) -> None:
    if not is_district_bound(user):
        return
    district = district_of(user)
    if district is None:
        raise AreaNotAllowed("Your IOC has no district set: ask an administrator.", field="area")
    districts, communes = _district_codes(district)
    if (area.level, area.code) not in {("district", c) for c in districts} | {("commune", c) for c in communes}:
        raise AreaNotAllowed(f"You may report only on {district.name} and its communes.", field="area")
