"""The incident settings and their defaults; any of them can be set in portal.settings."""

from datetime import timedelta

from django.conf import settings

__all__ = ["conf"]

_DEFAULTS = {
    # Reports outside this province are refused (AdminUnit name at level province).
    "INCIDENT_PROVINCE": "Ninh Thuận",
    "INCIDENT_MAX_DESCRIPTION": 5000,
    "INCIDENT_MAX_ADDRESS": 500,
    "INCIDENT_MAX_FILES": 5,
    "INCIDENT_MAX_PHOTO_BYTES": 15 * 2**20,
    "INCIDENT_MAX_VIDEO_BYTES": 100 * 2**20,
    # A citizen may reopen a resolved report this many days after its resolution.
    "INCIDENT_REOPEN_DAYS": 7,
    # Flagged "near deadline" this long before it.
    "INCIDENT_NEAR_DEADLINE": timedelta(hours=24),
    # Escalated to the IOC once this long past the deadline, and again each time as long again.
    "INCIDENT_ESCALATE_AFTER": timedelta(hours=24),
    # Public writes per IP: reports, follows, ratings.
    "INCIDENT_RATE_LIMIT": (20, 3600),
    # A human needs a few seconds to fill the form; faster is a script.
    "INCIDENT_MIN_FILL_SECONDS": 3,
    # Nearby open reports of the same category shown before submitting.
    "INCIDENT_NEARBY_RADIUS_M": 150,
    "INCIDENT_NEARBY_DAYS": 30,
    "INCIDENT_PIN_DROP_HOURS": 24,
    "INCIDENT_RESOLUTION_NEEDS_PHOTO": True,
    "INCIDENT_STREET_RADIUS_M": 80,
    "INCIDENT_MAIL_FROM": "noreply@ioc.ninhthuan.gov.vn",
    "INCIDENT_PORTAL_URL": "http://127.0.0.1:8000",
    "OPEN311_JURISDICTION": "ninhthuan.gov.vn",
}


class _Conf:
    def __getattr__(self, name: str):
        full = f"INCIDENT_{name}" if f"INCIDENT_{name}" in _DEFAULTS else name
        if full not in _DEFAULTS:
            raise AttributeError(name)
        return getattr(settings, full, _DEFAULTS[full])


conf = _Conf()
