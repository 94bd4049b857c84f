"""Administrative units API: which units contain a point, on which day, and what they became."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router

from .models import AdminUnit
from .schemas import AdminUnitOut, AtOut, AtQuery
from .selectors import units_at, with_succession

router = Router()


@router.get("/at", response=AtOut, summary="Commune, district and province containing a point")
def admin_units_at(request, q: Query[AtQuery]):
    day = q.date or timezone.localdate()
    return {"lon": q.lon, "lat": q.lat, "date": day, **units_at(q.lon, q.lat, day)}


@router.get("/{unit_id}", response=AdminUnitOut, summary="One administrative unit with its successors")
def admin_unit_detail(request, unit_id: int):
    return get_object_or_404(with_succession(AdminUnit.objects.all()), pk=unit_id)
