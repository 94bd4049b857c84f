"""Camera analytics fixtures: a camera layer, cameras placed where the clips' calibrations put them, staff."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point

from fixtures.camera_clips import CLIPS
from layers.models import Camera, Layer
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles


@pytest.fixture
def evidence_dirs(settings, tmp_path):
    """Evidence and incident media of this test only (tests with a worker use the run's shared directory)."""
    settings.CAMERA_EVIDENCE_DIR = tmp_path / "camera-evidence"
    settings.INCIDENT_MEDIA_DIR = tmp_path / "incident-media"
    settings.CAMERA_ANALYTICS_VIDEO_DIRS = [tmp_path]
    return tmp_path


@pytest.fixture
def camera_layer(db) -> Layer:
    return Layer.objects.create(slug="camera-test", kind="camera", title_vi="Camera (thử)", title_en="Cameras (test)",
                                theme="cameras", visibility=Layer.Visibility.INTERNAL)


@pytest.fixture
def make_camera(camera_layer):
    def make(key: str = "video03", **extra) -> Camera:
        pose = CLIPS[key].get("pose", {"lon": 108.99, "lat": 11.567, "heading_deg": 0.0})
        fields = {"layer": camera_layer, "ext_id": f"CAM-{key}", "name": f"Camera giao thông thử {key}",
                  "kind": "traffic", "heading_deg": pose["heading_deg"], "stream_url": "rtsp://10.58.20.9:554/live",
                  "geom": Point(pose["lon"], pose["lat"], srid=4326), **extra}
        return Camera.objects.create(**fields)

    return make


def _user(username: str, role: str | None, org: OrgUnit | None) -> User:
    sync_roles()
    user = User.objects.create_user(username, password="a-long-test-password", org_unit=org,
                                    email=f"{username}@example.org")
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def ioc(db) -> OrgUnit:
    return OrgUnit.objects.create(code="ioc-cam-test", name="IOC tỉnh", kind=OrgUnit.Kind.PROVINCE_IOC)


@pytest.fixture
def steward(ioc) -> User:
    return _user("cam-steward", "data_steward", ioc)


@pytest.fixture
def dispatcher(ioc) -> User:
    return _user("cam-dispatcher", "dispatcher", ioc)


@pytest.fixture
def citizen(db) -> User:
    return _user("cam-citizen", "citizen", None)
