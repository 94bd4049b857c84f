"""Celery tasks: one per clip or stream chunk, so more workers on more machines analyse more cameras."""

import logging

from celery import shared_task

from portal.errors import PortalError

from .core.errors import AnalyticsError
from .models import AnalysisRun
from .runs import do_start_stream_chunk, execute_run
from .services import camera_by_key

__all__ = ["analyze_run", "analyze_stream_chunk"]

log = logging.getLogger(__name__)


@shared_task(name="camera_analytics.analyze_run", acks_late=True, reject_on_worker_lost=True)
def analyze_run(run_id: int) -> str:
    """Analyse one stored run. Acknowledged when it ends, so a run whose worker died is delivered again: it
    starts over if its results were not stored yet, else files only the incidents still missing (runs.py);
    a refused video is recorded on the run, not retried."""
    if not AnalysisRun.objects.filter(pk=run_id).exists():
        return "missing"
    try:
        run = execute_run(run_id)
    except (PortalError, AnalyticsError) as exc:
        log.info("camera analysis run %s refused: %s", run_id, exc)
        return AnalysisRun.State.FAILED
    return run.status


@shared_task(name="camera_analytics.analyze_stream_chunk", bind=True, acks_late=True, reject_on_worker_lost=True)
def analyze_stream_chunk(self, camera: str | int, seconds: float = 60.0, file_incidents: bool = True) -> str:
    """Read `seconds` of a camera's stream now and analyse them (a beat entry or a caller queues one per chunk).
    Delivered again after its worker died, it takes up the run it had made (see execute_run)."""
    run = do_start_stream_chunk(camera=camera_by_key(camera), seconds=seconds, file_incidents=file_incidents,
                                queue=False, task_id=self.request.id or "")
    return analyze_run(run.pk)
