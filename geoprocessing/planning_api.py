"""Citizen planning lookup at /api/planning/: a parcel by click, coordinates or numbers; what the plan says about it;
the decisions' documents; planning information sheets and their verification."""

from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import Query, Router, Status

from layers.models import PlanDecision
from portal.accounts.auth import public_access
from portal.errors import NotFound
from portal.ratelimit import client_ip

from .adapters import core_errors, lookup_scope, province, raw_connection, tables
from .answers import answer_bytes
from .communes import search_communes
from .models import PlanningSheet
from .schemas import AnswerOut, CommuneHitOut, LookupQuery, SheetIn, SheetOut, VerifyOut
from .selectors import parcel_answer, planning_answer_for, sheet_currency
from .services import SHEET_LIMIT, check_sheet_rate, do_issue_sheet

__all__ = ["router"]

router = Router(auth=public_access)


@router.get("/lookup", response=AnswerOut, url_name="planning_lookup",
            summary="What the plan says about a parcel (click, coordinates or numbers)")
@core_errors
def lookup(request, q: Query[LookupQuery]):
    return _json(planning_answer_for(request.auth, q))


@router.get("/parcels/{parcel_id}", response=AnswerOut, summary="What the plan says about one parcel")
@core_errors
def parcel(request, parcel_id: int, q: Query[LookupQuery]):
    return _json(parcel_answer(parcel_id, lookup_scope(request.auth), day=q.date, distance_m=q.distance_m))


def _json(answer) -> HttpResponse:
    # Built from the records (answers.answer_json), the shape AnswerOut documents; ninja passes it through.
    return HttpResponse(answer_bytes(answer), content_type="application/json")


@router.get("/communes", response=list[CommuneHitOut], url_name="planning_communes",
            summary="Communes by name or code, before and after 2025")
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


def _verify_url(request, code: str) -> str:
    return request.build_absolute_uri(reverse("planning:verify", kwargs={"code": code}))


def _sheet_out(request, sheet: PlanningSheet) -> dict:
    return {**{f: getattr(sheet, f) for f in ("code", "issued_at", "as_of", "layer_slug", "layer_version",
                                               "parcel_ext_id", "commune_name", "sheet_no", "parcel_no",
                                               "pdf_sha256", "answer_sha256")},
            "pdf_url": reverse("api:planning_sheet_pdf", kwargs={"code": sheet.code}),
            "verify_url": _verify_url(request, sheet.code)}


@router.post("/sheets", response={201: SheetOut}, url_name="planning_sheets",
             summary="Issue a planning information sheet (PDF) for a parcel")
@core_errors
def issue_sheet(request, body: SheetIn):
    check_sheet_rate(request)
    SHEET_LIMIT.record(client_ip(request))  # every attempt counts, so failures cannot be retried without end
    sheet = do_issue_sheet(parcel_id=body.parcel_id, day=body.date, distance_m=body.distance_m,
                           verify_url_for=lambda code: _verify_url(request, code))
    return Status(201, _sheet_out(request, sheet))


def _sheet(code: str) -> PlanningSheet:
    sheet = PlanningSheet.objects.filter(code=code.strip().upper()).first()
    if sheet is None:
        raise NotFound("No planning sheet was issued with this code.")
    return sheet


@router.get("/sheets/{code}", response=VerifyOut, summary="Check a planning sheet by its verification code")
def verify_sheet(request, code: str):
    sheet = _sheet(code)
    return {**_sheet_out(request, sheet), "answer": sheet.answer, "current": sheet_currency(sheet)}


@router.get("/sheets/{code}/pdf", url_name="planning_sheet_pdf", summary="The PDF of an issued planning sheet")
def sheet_pdf(request, code: str):
    sheet = _sheet(code)
    response = FileResponse(sheet.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, f"phieu-thong-tin-quy-hoach-{sheet.code}.pdf")
    return response
