"""Import jobs: check an upload, queue it for a worker, run it, and tell everyone how far it got."""

import shutil
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.accounts import audit
from portal.session_locks import session_lock

from .errors import LayersError, ReadOnlyLayer
from .importing import ImportOptions, import_file
from .importing.runner import resolve_mapping
from .importing.source import SourceInfo, check_archive, inspect, stored_upload
from .models import ImportJob, Layer
from .registry import get_kind

__all__ = ["UploadTooLarge", "ImportRunning", "store_upload", "deleted_if_refused", "check_import",
           "do_create_import", "do_queue_import", "run_import_job", "options_of", "do_close_stalled_imports",
           "max_attempts", "STALLED_ERROR", "LOCK_SPACE"]

STALLED_ERROR = ("The import was started several times and its worker stopped each time (killed, out of memory, "
                 "its machine gone), so nothing of the file was stored and the layer is as it was.")
LOCK_SPACE = "layers.import"


class UploadTooLarge(LayersError):
    code = "upload_too_large"
    http_status = 413


class ImportRunning(LayersError):
    code = "import_running"
    http_status = 409
    user_msg = "This import is running on another worker."


def _upload_dir() -> Path:
    return Path(settings.IMPORT_UPLOAD_DIR)


def store_upload(name: str, chunks, size: int) -> Path:
    """Keep an upload where only the workers read it, under a fresh folder and a safe name. An archive that
    would unpack past the limits is refused here, once, and not kept."""
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
    with deleted_if_refused(path):
        check_archive(path)
    return path


@contextmanager
def deleted_if_refused(path: Path):
    """A stored upload whose check raises a LayersError is deleted, folder and all, before the error goes on."""
    try:
        yield
    except LayersError:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise


def options_of(job: ImportJob) -> ImportOptions:
    opts = job.options
    return ImportOptions(mapping=opts.get("mapping") or {}, constants=opts.get("constants") or {}, mode=job.mode,
                         srid=opts.get("srid"), vn2000_province=opts.get("vn2000_province"),
                         source_layer=opts.get("source_layer"))


def check_import(layer: Layer, path: Path, options: ImportOptions) -> SourceInfo:
    """Everything that can be known before the worker starts, so bad input is refused at once."""
    if "ext_id" not in get_kind(layer.kind).import_columns:
        raise ReadOnlyLayer()  # at upload time too, so the steward hears it before a worker starts
    info = inspect(path, options.source_layer, archive_checked=stored_upload(path))
    resolve_mapping(get_kind(layer.kind), info, options)
    return info


def do_create_import(*, layer: Layer, path: Path, file_name: str, options: ImportOptions, user=None,
                     ip: str | None = None) -> ImportJob:
    """Check the stored upload and record the job (with its audit row); a refused upload is deleted at once."""
    with deleted_if_refused(path):
        info = check_import(layer, path, options)
    with transaction.atomic():
        job = ImportJob.objects.create(
            layer=layer, created_by=user, file_name=file_name, file_path=str(path), mode=options.mode,
            total=max(info.features, 0),
            options={"mapping": options.mapping, "constants": options.constants, "srid": options.srid,
                     "vn2000_province": options.vn2000_province, "source_layer": options.source_layer})
        audit.layer_import_started(actor=user, job=job, ip=ip)
    return job


def do_queue_import(*, layer: Layer, path: Path, file_name: str, options: ImportOptions, user=None,
                    ip: str | None = None) -> ImportJob:
    job = do_create_import(layer=layer, path=path, file_name=file_name, options=options, user=user, ip=ip)
    from .tasks import run_import

    transaction.on_commit(lambda: _send(job, run_import))
    return job


def _send(job: ImportJob, task) -> None:
    result = task.delay(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)


def max_attempts() -> int:
    return int(getattr(settings, "IMPORT_MAX_ATTEMPTS", 3))


def run_import_job(job: ImportJob, progress: Callable[[int, int], None] | None = None, *,
                   task_id: str = "") -> ImportJob:
    """The body of the Celery task (and of the command): run, then record the outcome on the job.

    The import and the job's success are committed together, so whatever stops a worker part-way, the job
    can be run again from an unchanged layer. A job already finished is left as it is; one that another
    session holds raises ImportRunning."""
    # Held for the whole run: a second delivery (the broker's, the reaper's) finds it taken and leaves it.
    with session_lock(LOCK_SPACE, job.pk) as held:
        if not held:
            raise ImportRunning()
        job.refresh_from_db()
        if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            return job
        attempt = job.attempts + 1
        if attempt > max_attempts():
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=STALLED_ERROR,
                                                       finished_at=timezone.now())
            job.refresh_from_db()
            return job
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=attempt,
                                                   **({"task_id": task_id} if task_id else {}))
        _run(job, progress)
    job.refresh_from_db()
    return job


def _run(job: ImportJob, progress: Callable[[int, int], None] | None) -> None:
    try:
        with transaction.atomic():
            report = import_file(job.layer, Path(job.file_path), options_of(job), progress=progress)
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportJob.Status.SUCCEEDED, report=report.as_dict(), done=report.features_read,
                total=report.features_read, finished_at=timezone.now())
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
        shutil.rmtree(Path(job.file_path).parent, ignore_errors=True)


def do_close_stalled_imports(*, now: float | None = None) -> int:
    """Queue again the running imports whose worker is gone (silent for IMPORT_STALLED_SECONDS and its database
    session closed, so PostgreSQL has rolled the import back); after max_attempts() they are marked failed.
    A slow worker keeps its session. Returns how many were queued again or closed.

    The broker delivers such a job again too, once its message has gone unacknowledged for the visibility
    timeout; whichever delivery comes first runs it, and the other finds it running or finished."""
    import time

    from celery.result import AsyncResult

    from .tasks import run_import

    now = time.time() if now is None else now
    handled = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).exclude(task_id=""):
        info = AsyncResult(job.task_id).info
        silent = now - info.get("at", now) if isinstance(info, dict) else 0
        if "pid" not in (info if isinstance(info, dict) else {}) or silent <= settings.IMPORT_STALLED_SECONDS:
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s)", [info["pid"]])
            alive = cursor.fetchone()[0]
        if alive:
            continue
        running = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING, task_id=job.task_id)
        if job.attempts >= max_attempts():
            handled += running.update(status=ImportJob.Status.FAILED, error=STALLED_ERROR,
                                      finished_at=timezone.now(), done=info.get("done", 0))
        elif running.update(status=ImportJob.Status.QUEUED):
            handled += 1
            _send(job, run_import)
    return handled
