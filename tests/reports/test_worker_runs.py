"""An ad-hoc report asked through the API runs on a real Celery worker, which reports its progress; asking again
for the finished period returns the same run. Rows are committed so the worker sees them (no test transaction)."""

import time

import pytest
from django.test import Client
from report_helpers import WEEK, staff

from fixtures.report_incidents import HistorySpec, generate_history
from portal.accounts.models import OrgUnit
from reports.models import ReportRun


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def committed_world(committed, admin_units):
    """A dispatcher and a few reports the Celery worker can see (committed), removed afterwards."""
    from incidents.models import Category
    from layers.models import AdminUnit

    province = AdminUnit.objects.get(level="province", name="Ninh Thuận")
    ioc = OrgUnit.objects.create(code="ioc-rep-c", name="IOC (committed)", kind=OrgUnit.Kind.PROVINCE_IOC)
    committed.append(ioc)
    category = Category.objects.create(code="rep-c", name_vi="Ổ gà", name_en="Pothole", deadline_days=2)
    committed.append(category)
    communes = list(AdminUnit.objects.filter(level="commune", parent__parent=province).select_related(
        "parent__parent")[:5])
    ids = generate_history(HistorySpec(start=WEEK.start, end=WEEK.end, count=40, seed=3), communes=communes,
                           categories=[category], agencies=[])
    from incidents.models import Incident

    committed.extend(Incident.objects.filter(pk__in=ids))
    user = staff("rep-worker-dispatcher", "dispatcher", ioc)
    committed.append(user)
    yield user
    from reports.storage import read_path

    for run in ReportRun.objects.filter(requested_by=user):
        for stored in run.files.all():
            read_path(stored.path).unlink(missing_ok=True)
        run.delete()


def test_adhoc_request_runs_on_the_worker_with_progress(committed_world, celery_worker, settings):
    client = _client(committed_world)
    response = client.post("/api/reports/", {"start": WEEK.first.isoformat(), "end": WEEK.last.isoformat()},
                           content_type="application/json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["kind"] == "adhoc" and run["area_name"] == "Ninh Thuận" and run["status"] == "queued"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        run = client.get(f"/api/reports/{run['id']}").json()
        if run["status"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert run["status"] == "done", run["error"]
    assert run["figures"]["totals"]["received"] == 40 and run["progress"] == 1.0
    assert [r["id"] for r in client.get("/api/reports/").json()] == [run["id"]]
    again = client.post("/api/reports/", {"start": WEEK.first.isoformat(), "end": WEEK.last.isoformat()},
                        content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == run["id"]


