"""Which area a report covers: an administrative unit named by its code, an IOC's territory, the province."""

from django.conf import settings
from django.db.models import Q

from layers.models import AdminUnit
from portal.accounts.models import OrgUnit

from .errors import UnknownArea
from .records import Area

__all__ = ["area_by_code", "area_of_unit", "province_area", "area_of_org_unit", "LEVELS"]

LEVELS = ("province", "district", "commune")
DEFAULT_PROVINCE = "Ninh Thuận"


def area_of_unit(unit: AdminUnit) -> Area:
    ids = tuple(AdminUnit.objects.filter(level=unit.level, code=unit.code).order_by("pk").values_list("pk", flat=True))
    return Area(level=unit.level, code=unit.code, name=unit.name, ids=ids or (unit.pk,))


def area_by_code(code: str, *, level: str | None = None) -> Area:
    code = (code or "").strip()
    if not code:
        raise UnknownArea("Give the area's code (area=…), e.g. a district's.", field="area")
    if level is not None and level not in LEVELS:
        raise UnknownArea(f"Unknown level {level[:20]!r}: use province, district or commune.", field="level")
    units = AdminUnit.objects.filter(Q(code=code) | Q(gso_code=code))
    if level:
        units = units.filter(level=level)
    found = list(units.order_by("level", "-valid_from", "pk")[:20])
    if not found:
        raise UnknownArea(f"No administrative unit has the code {code[:40]!r}.", field="area")
    levels = {unit.level for unit in found}
    if len(levels) > 1:
        raise UnknownArea(f"The code {code[:40]!r} names units of several levels ({', '.join(sorted(levels))}); "
                          f"add level=.", field="level")
    return area_of_unit(found[0])


def province_area() -> Area:
    name = getattr(settings, "PLANNING_PROVINCE", DEFAULT_PROVINCE)
    unit = (AdminUnit.objects.filter(level=AdminUnit.Level.PROVINCE, name__in=[name, f"Tỉnh {name}"])
            .order_by("-valid_from", "pk").first())
    if unit is None:
        raise UnknownArea(f"The province {name} is not loaded (import the administrative units).", field="area")
    return area_of_unit(unit)


def area_of_org_unit(org: OrgUnit) -> Area | None:
    """The territory an IOC serves; the province IOC without one serves the portal's province."""
    if org.admin_unit_id is not None:
        return area_of_unit(org.admin_unit)
    if org.kind == OrgUnit.Kind.PROVINCE_IOC:
        return province_area()
    return None
