"""Incident fixtures: the demo province's categories, agencies and staff, points inside and outside it."""

import pytest
from django.contrib.auth.models import Group

from incidents.models import Category, CategoryAttribute
from portal.accounts.models import OrgUnit, User
from portal.accounts.roles import sync_roles


@pytest.fixture(autouse=True)
def media_dir(settings, tmp_path):
    settings.INCIDENT_MEDIA_DIR = tmp_path / "incident-media"
    return settings.INCIDENT_MEDIA_DIR


@pytest.fixture
def orgs(db):
    ioc = OrgUnit.objects.create(code="ioc-test", name="IOC tỉnh", kind=OrgUnit.Kind.PROVINCE_IOC)
    water = OrgUnit.objects.create(code="water-test", name="Cấp nước", kind=OrgUnit.Kind.AGENCY, parent=ioc)
    roads = OrgUnit.objects.create(code="roads-test", name="Sở Giao thông", kind=OrgUnit.Kind.AGENCY, parent=ioc)
    return {"ioc": ioc, "water": water, "roads": roads}


@pytest.fixture
def categories(db):
    pothole = Category.objects.create(code="pothole", name_vi="Ổ gà, hư hỏng mặt đường", name_en="Pothole",
                                      deadline_days=5, group="Giao thông")
    leak = Category.objects.create(code="water-leak", name_vi="Rò rỉ nước", name_en="Water leak", deadline_days=1,
                                   network="water", network_radius_m=60, group="Hạ tầng")
    CategoryAttribute.objects.create(category=pothole, code="size", datatype="singlevaluelist", required=True,
                                     description="Kích thước", order=1,
                                     values=[{"key": "small", "name": "Nhỏ"}, {"key": "large", "name": "Lớn"}])
    return {"pothole": pothole, "leak": leak}


def _user(username: str, role: str, org: OrgUnit | None, **extra) -> User:
    sync_roles()
    user = User.objects.create_user(username, password="a-long-test-password", org_unit=org,
                                    email=f"{username}@example.org", **extra)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def dispatcher(orgs):
    return _user("dispatcher", "dispatcher", orgs["ioc"])


@pytest.fixture
def water_staff(orgs):
    return _user("water", "agency_staff", orgs["water"])


@pytest.fixture
def roads_staff(orgs):
    return _user("roads", "agency_staff", orgs["roads"])


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Each test starts with no public writes counted against the test client's address."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("portal:ratelimit:incident-*"):
        client.delete(key)


@pytest.fixture
def ticket():
    import time

    from incidents.spam import issue_ticket

    return issue_ticket(now=time.time() - 30)


@pytest.fixture
def token_for():
    from portal.accounts.services import do_issue_token

    def make(user) -> str:
        return do_issue_token(user=user, name="test").key

    return make
