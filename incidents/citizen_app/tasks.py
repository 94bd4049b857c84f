"""The citizen app's beat task: keys are forgotten after a while (a draft is retried within days, not months)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import SubmissionKey

__all__ = ["purge_keys_task", "KEEP_KEYS"]

KEEP_KEYS = timedelta(days=30)


@shared_task(name="citizen_app.purge_keys")
def purge_keys_task() -> int:
    deleted, _ = SubmissionKey.objects.filter(created_at__lt=timezone.now() - KEEP_KEYS).delete()
    return deleted
