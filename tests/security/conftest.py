"""Hostile-input fixtures: a small world of real rows, a staff token, the portal's WSGI app called in-process with
every request rolled back, and the count of hostile cases tried (printed at the end of the run)."""

import random
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core import signals
from django.db import close_old_connections
from hostile_helpers import CASES, PHAN_RANG, RolledBackApp

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Category
from layers.models import Camera, LandParcel, Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import ROLES, sync_roles
from portal.accounts.services import do_issue_token


def pytest_terminal_summary(terminalreporter):
    if CASES:
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(CASES.items()))
        terminalreporter.write_line(f"hostile cases tried: {sum(CASES.values())} ({detail})")


@pytest.fixture
def wsgi_app(db):
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield RolledBackApp()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Public writes are rate-limited per address; generated cases would otherwise meet 429s, not the code."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("portal:ratelimit:*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def _media_dirs(settings, tmp_path):
    settings.INCIDENT_MEDIA_DIR = tmp_path / "incident-media"
    settings.CAMERA_EVIDENCE_DIR = tmp_path / "camera-evidence"


@dataclass
class World:
    staff: User
    token: str
    parcels: Layer
    cameras: Layer
    camera_ids: list[int]
    incident_code: str
    parcel_count: int
    extra: dict = field(default_factory=dict)


def _box(x: float, y: float, step: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((x, y, x + step * 0.8, y + step * 0.8)), srid=4326)


@pytest.fixture
def world(db, admin_units, settings) -> World:
    """A staff user holding every role (and its token), a public parcel layer, an internal camera layer, an
    incident category and one filed incident: enough for generated requests to reach past 404. The chat channels
    are configured (secrets, no gateway), so webhooks check signatures rather than answer 503 unconfigured."""
    settings.CHAT_ZALO_APP_ID, settings.CHAT_ZALO_OA_SECRET_KEY = "hostile-app", "hostile-zalo-secret"
    settings.CHAT_MESSENGER_APP_SECRET = "hostile-messenger-secret"
    settings.CHAT_MESSENGER_VERIFY_TOKEN = "hostile-verify"
    sync_roles()
    ioc = OrgUnit.objects.create(code="ioc-hostile", name="IOC tỉnh", kind=OrgUnit.Kind.PROVINCE_IOC)
    staff = User.objects.create_user("hostile-staff", password="a-long-test-password", org_unit=ioc,
                                     email="staff@example.org", is_staff=True)
    staff.groups.set(Group.objects.filter(name__in=ROLES))
    parcels = Layer.objects.create(slug="thua-dat-hostile", kind="land_parcel", title_vi="Thửa đất",
                                   title_en="Parcels", theme="planning", visibility="public")
    rng = random.Random(11)
    step = 0.0004
    LandParcel.objects.bulk_create([LandParcel(
        layer=parcels, ext_id=f"NT/{i:04d}", sheet_no=str(10 + i % 4), parcel_no=str(i + 1),
        legal_area_m2=round(rng.uniform(100, 900), 1), land_use_code_id=("ODT", "CLN", "ONT")[i % 3],
        address=f"{i} đường Thống Nhất", holder_name=f"Nguyễn Thị Hạnh {i}", holder_id=f"CCCD-{i:08d}",
        geom=_box(PHAN_RANG[0] + (i % 6) * step, PHAN_RANG[1] + (i // 6) * step, step)) for i in range(24)])
    cameras = Layer.objects.create(slug="camera-hostile", kind="camera", title_vi="Camera", title_en="Cameras",
                                   theme="cameras", visibility=Layer.Visibility.INTERNAL)
    made = Camera.objects.bulk_create([Camera(
        layer=cameras, ext_id=f"CAM-{i}", name=f"Ngã tư {i}", kind="traffic", heading_deg=45 * i,
        stream_url=f"rtsp://10.0.0.{i}/live", geom=Point(PHAN_RANG[0] + i * 0.001, PHAN_RANG[1], srid=4326))
        for i in range(3)])
    Category.objects.create(code="pothole", name_vi="Ổ gà", name_en="Pothole", deadline_days=5, group="Giao thông")
    incident = do_submit_incident(check_report(Report(
        category="pothole", description="Ổ gà lớn", channel="web", lon=PHAN_RANG[0], lat=PHAN_RANG[1],
        reporter_name="Trần Thị B", reporter_email="b@example.org")))
    return World(staff=staff, token=do_issue_token(user=staff, name="hostile").key, parcels=parcels,
                 cameras=cameras, camera_ids=[c.pk for c in made], incident_code=incident.tracking_code,
                 parcel_count=24)
