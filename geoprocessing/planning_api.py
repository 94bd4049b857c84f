"""Citizen planning lookup at /api/planning/: a parcel by click, coordinates or numbers; what the plan says about it;
the decisions' documents; planning information sheets and their verification."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from ninja import Query, Router

from layers.models import PlanDecision
from portal.accounts.auth import public_access
from portal.errors import NotFound

from .adapters import core_errors, lookup_scope, province, raw_connection, tables
from .communes import search_communes
from .schemas import AnswerOut, CommuneHitOut, LookupQuery
from .selectors import parcel_answer, planning_answer_for

__all__ = ["router"]

router = Router(auth=public_access)


@router.get("/lookup", response=AnswerOut, summary="What the plan says about a parcel (click, coordinates or numbers)")
@core_errors
def lookup(request, q: Query[LookupQuery]):
    return planning_answer_for(request.auth, q)


@router.get("/parcels/{parcel_id}", response=AnswerOut, summary="What the plan says about one parcel")
@core_errors
def parcel(request, parcel_id: int, q: Query[LookupQuery]):
    return parcel_answer(parcel_id, lookup_scope(request.auth), day=q.date, distance_m=q.distance_m)


@router.get("/communes", response=list[CommuneHitOut], summary="Communes by name or code, before and after 2025")
def communes(request, q: str = "", limit: int = 20):
    _name, ids = province()
    return search_communes(raw_connection(), q, province_ids=ids or None, limit=limit, tables=tables())


@router.get("/decisions/{decision_id}/document", url_name="planning_decision_document",
            summary="The document (PDF) of a plan decision")
def decision_document(request, decision_id: int):
    decision = get_object_or_404(PlanDecision.objects.exclude(status=PlanDecision.Status.DRAFT), pk=decision_id)
    if not decision.document:
        raise NotFound("This decision has no document on file.")
    name = decision.number.replace("/", "-") + ".pdf"
    response = FileResponse(decision.document.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, name)
    return response
