"""Celery tasks of the layers app: imports run on workers, never in the web process."""

import time

from celery import shared_task
from celery.exceptions import Ignore
from django.db import connection

from .imports import ImportRunning, do_close_stalled_imports, run_import_job
from .models import ImportJob


@shared_task(bind=True, name="layers.import", acks_late=True, reject_on_worker_lost=True)
def run_import(self, job_id: int) -> dict:
    """Acknowledged when it ends: a worker that dies part-way (killed, out of memory, its machine gone) leaves the
    message to be delivered again, and the import, one transaction, starts over on an unchanged layer."""
    job = ImportJob.objects.select_related("layer").filter(pk=job_id).first()
    if job is None:
        return {"status": "missing", "error": ""}  # the layer was deleted meanwhile
    last = [0.0]
    # The session the import runs in: once it is gone, PostgreSQL has rolled the import back (see the reaper).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5 or done >= total:
            last[0] = now
            # Progress goes to the result backend (Redis): the job row is inside the import's transaction.
            self.update_state(state="PROGRESS", meta={"done": done, "total": total, "at": time.time(), "pid": pid})

    try:
        job = run_import_job(job, progress, task_id=self.request.id or "")
    except ImportRunning:
        # A second delivery of a job another worker is running: acknowledged without a result, which would
        # overwrite the progress (and the session id the reaper looks for) that the running one reports.
        raise Ignore() from None
    return {"status": job.status, "error": job.error}


@shared_task(name="layers.close_stalled_imports")
def close_stalled_imports() -> int:
    return do_close_stalled_imports()
