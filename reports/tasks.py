"""Celery tasks of reports. The beat runs the weekly reports on Mondays at 07:00 and the newsletter on the first
of the month at 07:00 (Asia/Ho_Chi_Minh, CELERY_TIMEZONE), and sends the newsletter's outbox."""

from celery import shared_task

from .models import ReportRun
from .newsletter import deliver_newsletters
from .services import do_build_run, do_schedule_newsletter, do_schedule_weekly

__all__ = ["build_report_task", "weekly_reports_task", "monthly_newsletter_task", "deliver_newsletters_task"]


@shared_task(name="reports.build_report")
def build_report_task(run_id: int) -> dict:
    run = do_build_run(ReportRun.objects.get(pk=run_id))
    return {"run": run.pk, "digest": run.digest, "seconds": run.seconds}


@shared_task(name="reports.weekly_reports")
def weekly_reports_task() -> list[int]:
    return [run.pk for run in do_schedule_weekly()]


@shared_task(name="reports.monthly_newsletter")
def monthly_newsletter_task() -> int:
    return do_schedule_newsletter().pk


@shared_task(name="reports.deliver_newsletters")
def deliver_newsletters_task() -> int:
    return deliver_newsletters()
