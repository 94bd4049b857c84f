"""Celery tasks of the layers app: imports run on workers, never in the web process."""

import time

from celery import shared_task
from django.db import connection

from .imports import do_close_stalled_imports, run_import_job
from .models import ImportJob


@shared_task(bind=True, name="layers.import")
def run_import(self, job_id: int) -> dict:
    job = ImportJob.objects.select_related("layer").get(pk=job_id)
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

    job = run_import_job(job, progress)
    return {"status": job.status, "error": job.error}


@shared_task(name="layers.close_stalled_imports")
def close_stalled_imports() -> int:
    return do_close_stalled_imports()
