from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Weekly operating reports, the monthly newsletter and ad-hoc reports: runs, their files, subscriptions."""

    name = "reports"
    verbose_name = "Reports"
