"""Import jobs: check an upload, queue it for a worker, run it, and tell everyone how far it got."""

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import LayersError, ReadOnlyLayer
from .importing import ImportOptions, import_file
from .importing.runner import resolve_mapping
from .importing.source import SourceInfo, inspect
from .models import ImportJob, Layer
from .registry import get_kind

__all__ = ["UploadTooLarge", "store_upload", "check_import", "do_create_import", "do_queue_import", "run_import_job",
           "options_of", "do_close_stalled_imports", "STALLED_ERROR"]

STALLED_ERROR = ("The worker running this import stopped (its database session is gone), so nothing of the file "
                 "was stored and the layer is as it was. Start the import again.")


class UploadTooLarge(LayersError):
    code = "upload_too_large"
    http_status = 413


def _upload_dir() -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR)


def store_upload(name: str, chunks, size: int) -> Path:
    """Keep an upload where only the workers read it, under a fresh folder and a safe name."""
    if size > settings.IMPORT_MAX_BYTES:
        raise UploadTooLarge(f"the file is {size / 2**20:.0f} MiB; the limit is "
                             f"{settings.IMPORT_MAX_BYTES / 2**20:.0f} MiB")
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in Path(name).name) or "upload"
    folder = _upload_dir() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / safe
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return path


def options_of(job: ImportJob) -> ImportOptions:
    opts = job.options
    return ImportOptions(mapping=opts.get("mapping") or {}, constants=opts.get("constants") or {}, mode=job.mode,
                         srid=opts.get("srid"), vn2000_province=opts.get("vn2000_province"),
                         source_layer=opts.get("source_layer"))


def check_import(layer: Layer, path: Path, options: ImportOptions) -> SourceInfo:
    """Everything that can be known before the worker starts, so bad input is refused at once."""
    if "ext_id" not in get_kind(layer.kind).import_columns:
        raise ReadOnlyLayer()  # at upload time too, so the steward hears it before a worker starts
    info = inspect(path, options.source_layer)
    resolve_mapping(get_kind(layer.kind), info, options)
    return info


def do_create_import(*, layer: Layer, path: Path, file_name: str, options: ImportOptions, user=None) -> ImportJob:
    """Check the stored upload and record the job; a refused upload is deleted at once."""
    try:
        info = check_import(layer, path, options)
    except LayersError:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    return ImportJob.objects.create(
        layer=layer, created_by=user, file_name=file_name, file_path=str(path), mode=options.mode,
        total=max(info.features, 0),
        options={"mapping": options.mapping, "constants": options.constants, "srid": options.srid,
                 "vn2000_province": options.vn2000_province, "source_layer": options.source_layer})


def do_queue_import(*, layer: Layer, path: Path, file_name: str, options: ImportOptions, user=None) -> ImportJob:
    job = do_create_import(layer=layer, path=path, file_name=file_name, options=options, user=user)
    from .tasks import run_import

    transaction.on_commit(lambda: _send(job, run_import))
    return job


def _send(job: ImportJob, task) -> None:
    result = task.delay(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)


def run_import_job(job: ImportJob, progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """The body of the Celery task (and of the command): run, then record the outcome on the job."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    try:
        report = import_file(job.layer, Path(job.file_path), options_of(job), progress=progress)
    except LayersError as exc:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=exc.user_msg,
                                                   finished_at=timezone.now())
    except Exception:
        # Not the file's fault: the steward sees a failure rather than an import running forever; the worker logs it.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now(),
            error="The import failed on the server; the layer is as it was. The administrators have the details.")
        raise
    else:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.SUCCEEDED, report=report.as_dict(), done=report.features_read,
            total=report.features_read, finished_at=timezone.now())
        shutil.rmtree(Path(job.file_path).parent, ignore_errors=True)
    job.refresh_from_db()
    return job


def do_close_stalled_imports(*, now: float | None = None) -> int:
    """Mark failed the running imports whose worker is gone: silent for IMPORT_STALLED_SECONDS and its
    database session closed, so PostgreSQL has rolled the import back. A slow worker keeps its session."""
    import time

    from celery.result import AsyncResult
    from django.db import connection

    now = time.time() if now is None else now
    closed = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).exclude(task_id=""):
        info = AsyncResult(job.task_id).info
        silent = now - info.get("at", now) if isinstance(info, dict) else 0
        if "pid" not in (info if isinstance(info, dict) else {}) or silent <= settings.IMPORT_STALLED_SECONDS:
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)", [info["pid"]])
            alive = cursor.fetchone()[0]
        if not alive:
            closed += ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED, error=STALLED_ERROR, finished_at=timezone.now(),
                done=info.get("done", 0))
    return closed
