"""Imports API: upload a file into a layer (queued for a worker) and follow its progress."""

import json
import time
from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from portal.accounts.auth import token_or_session
from portal.errors import InvalidInput, NotFound, PermissionDenied
from portal.ratelimit import client_ip

from .importing import ImportOptions
from .imports import do_queue_import, store_upload
from .models import ImportJob, Layer
from .permissions import can_edit_layer

router = Router(auth=token_or_session)


class ImportForm(Schema):
    layer: str
    mode: str = "replace"
    mapping: str = "{}"
    constants: str = "{}"
    srid: str | None = None
    vn2000_province: str | None = None
    source_layer: str | None = None


class ImportJobOut(Schema):
    id: int
    layer: str
    file_name: str
    mode: str
    status: str
    done: int
    total: int
    report: dict
    error: str
    created_at: datetime
    finished_at: datetime | None
    stalled: bool = Field(False, description="running, but its worker has not reported for a while (it may have "
                                             "died; the layer is unchanged until an import finishes)")


def _json_object(text: str, field: str) -> dict[str, str]:
    try:
        value = json.loads(text or "{}")
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a JSON object: {exc}", field=field) from exc
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidInput(f"{field} must be a JSON object of column names", field=field)
    return {k: str(v) for k, v in value.items()}


def _job_out(job: ImportJob) -> dict:
    done, total, stalled = job.done, job.total, False
    if job.status == ImportJob.Status.RUNNING and job.task_id:
        from celery.result import AsyncResult

        info = AsyncResult(job.task_id).info
        if isinstance(info, dict) and "done" in info:
            done, total = info["done"], info["total"]
            stalled = time.time() - info.get("at", time.time()) > settings.IMPORT_STALLED_SECONDS
    return {"stalled": stalled, "id": job.pk, "layer": job.layer.slug, "file_name": job.file_name, "mode": job.mode,
            "status": job.status, "done": done, "total": total, "report": job.report, "error": job.error,
            "created_at": job.created_at, "finished_at": job.finished_at}


@router.post("/", response={202: ImportJobOut}, summary="Upload a file into a layer; a worker imports it")
def create_import(request, form: Form[ImportForm], file: File[UploadedFile]):
    layer = Layer.objects.visible_to(request.auth).filter(slug=form.layer).first()
    if layer is None:
        raise NotFound(f"no layer {form.layer!r}")
    if not can_edit_layer(request.auth, layer):
        raise PermissionDenied("only the layer's data stewards may import into it")
    if form.mode not in ImportJob.Mode.values:
        raise InvalidInput("mode must be replace or upsert", field="mode")
    options = ImportOptions(mapping=_json_object(form.mapping, "mapping"),
                            constants=_json_object(form.constants, "constants"), mode=form.mode, srid=form.srid,
                            vn2000_province=form.vn2000_province, source_layer=form.source_layer)
    path = store_upload(file.name, file.chunks(), file.size)
    job = do_queue_import(layer=layer, path=path, file_name=file.name, options=options, user=request.auth,
                          ip=client_ip(request))
    return Status(202, _job_out(job))


@router.get("/{job_id}", response=ImportJobOut, summary="Status and progress of an import")
def import_status(request, job_id: int):
    job = get_object_or_404(ImportJob.objects.select_related("layer"), pk=job_id)
    if job.created_by_id != request.auth.pk and not can_edit_layer(request.auth, job.layer):
        raise NotFound("no such import")
    return _job_out(job)
