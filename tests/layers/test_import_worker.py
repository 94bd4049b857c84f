"""Imports run on a real Celery worker: progress is visible, and a killed worker changes nothing."""

import os
import signal
import subprocess
import time
import uuid

import geopandas as gpd
import numpy as np
import pytest
import shapely
from celery.result import AsyncResult
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client

from layers.importing import ImportOptions
from layers.imports import do_create_import, store_upload
from layers.models import ImportJob, LandParcel, Layer
from layers.tasks import run_import
from portal.accounts.models import OrgUnit, User


def _parcels(path, count: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = 108.95 + rng.random(count) * 0.08
    y = 11.53 + rng.random(count) * 0.06
    frame = gpd.GeoDataFrame({"ext_id": [f"G{i}" for i in range(count)], "sheet_no": ["7"] * count,
                              "parcel_no": [str(i) for i in range(count)]},
                             geometry=shapely.box(x, y, x + 0.0001, y + 0.0001), crs=4326)
    frame.to_file(path, engine="pyogrio")
    return path


def _steward(committed) -> User:
    org = OrgUnit.objects.create(code="ioc-test-worker", name="IOC test", kind=OrgUnit.Kind.PROVINCE_IOC)
    user = User.objects.create_user("steward-worker", password="a-long-password-1", org_unit=org)
    user.groups.add(Group.objects.get(name="data_steward"))
    committed.extend([org, user])
    return user


def _layer(committed, slug: str) -> Layer:
    layer = Layer.objects.create(slug=slug, kind="land_parcel", title_vi=slug, title_en=slug, theme="planning",
                                 visibility=Layer.Visibility.PUBLIC)
    committed.insert(0, layer)
    return layer


def test_upload_through_the_api_is_imported_by_the_worker(committed, celery_worker, tmp_path):
    user = _steward(committed)
    layer = _layer(committed, "worker-parcels")
    client = Client()
    client.force_login(user)
    with _parcels(tmp_path / "parcels.gpkg", 500).open("rb") as upload:
        response = client.post("/api/imports/", {"layer": layer.slug, "file": upload, "mode": "replace"})
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(f"/api/imports/{job_id}").json()
        if status["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.3)
    assert status["status"] == "succeeded", status
    assert status["report"]["created"] == 500
    assert status["done"] == status["total"] == 500
    assert LandParcel.objects.filter(layer=layer).count() == 500
    layer.refresh_from_db()
    assert layer.version == 2
    assert ImportJob.objects.get(pk=job_id).task_id


def _kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # no chance to clean up, as when a machine dies
        worker.wait(timeout=10)


@pytest.mark.faults
def test_a_worker_killed_mid_import_leaves_the_previous_version_and_the_job_is_delivered_again(committed, tmp_path,
                                                                                             spawn_worker):
    layer = _layer(committed, "killed-parcels")
    from layers.importing import import_file

    import_file(layer, _parcels(tmp_path / "first.gpkg", 3))
    layer.refresh_from_db()
    version = layer.version
    big = _parcels(tmp_path / "big.gpkg", 120_000, seed=2)
    with big.open("rb") as handle:
        stored = store_upload(big.name, iter(lambda: handle.read(2**20), b""), big.stat().st_size)
    job = do_create_import(layer=layer, path=stored, file_name=big.name, options=ImportOptions())
    queue = f"kill-{os.getpid()}"
    worker = spawn_worker(queue)
    try:
        result = run_import.apply_async((job.pk,), queue=queue)
        ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)  # as _send() records it when it queues the job
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            meta = result.backend.get_task_meta(result.id)  # one read: state and progress together
            progress = meta.get("result") if meta["status"] == "PROGRESS" else None
            if progress and 0 < progress["done"] < progress["total"]:
                break
            assert meta["status"] not in ("SUCCESS", "FAILURE"), "the import ended before it could be killed"
            time.sleep(0.02)
        else:
            pytest.fail(f"the import never reported progress part-way: {result.state} {result.info}")
        _kill(worker)  # mid-COPY: the rows are streaming into the fresh partition
    finally:
        _kill(worker)
    _wait_for_the_killed_session_to_end()
    layer.refresh_from_db()
    assert layer.version == version
    assert sorted(LandParcel.objects.filter(layer=layer).values_list("ext_id", flat=True)) == ["G0", "G1", "G2"]
    assert AsyncResult(result.id).state == "PROGRESS"  # the job did not finish; nothing pretends it did
    from layers.imports_api import _job_out

    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.RUNNING, 1)
    assert _job_out(job)["status"] == "running" and not _job_out(job)["stalled"]
    from django.test import override_settings

    with override_settings(IMPORT_STALLED_SECONDS=-1):
        assert _job_out(job)["stalled"]  # the import page can tell the steward the worker is gone

    # The message was never acknowledged: a new worker gets it again from the broker (after the visibility
    # timeout, short here) and runs the whole import from the unchanged layer.
    started = time.monotonic()
    again = spawn_worker(queue, CELERY_VISIBILITY_TIMEOUT="3")
    try:
        while time.monotonic() - started < 60:
            job.refresh_from_db()
            if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
                break
            time.sleep(0.3)
    finally:
        again.terminate()  # a warm shutdown: what it holds unacknowledged goes back to the queue
        again.wait(timeout=30)
    assert (job.status, job.error, job.attempts) == (ImportJob.Status.SUCCEEDED, "", 2), job.error
    assert job.report["imported"] == 120_000 and job.done == job.total == 120_000
    layer.refresh_from_db()
    assert layer.version == version + 1  # imported once, not once per delivery
    assert LandParcel.objects.filter(layer=layer).count() == 120_000
    # The reaper finds nothing left to do, and a late delivery of the same message changes nothing.
    from layers.imports import do_close_stalled_imports

    assert do_close_stalled_imports(now=time.time() + settings.IMPORT_STALLED_SECONDS + 1) == 0
    assert run_import.apply(args=(job.pk,)).get() == {"status": "succeeded", "error": ""}
    layer.refresh_from_db()
    assert layer.version == version + 1 and LandParcel.objects.filter(layer=layer).count() == 120_000


def _wait_for_the_killed_session_to_end() -> None:
    """PostgreSQL notices the dead client and rolls its transaction back; nothing of it lingers."""
    from django.db import connection

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND query LIKE 'COPY %%'")
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
    pytest.fail("the killed worker's database session is still there")


def test_a_silent_import_whose_session_lives_is_left_and_one_whose_session_is_gone_is_queued_again(committed,
                                                                                                    tmp_path):
    """A worker busy in one long statement reports nothing for a while, but its session shows it is alive; once
    the session is gone the job is queued again, until it has been tried max_attempts() times."""
    from django.db import connection

    from layers.imports import STALLED_ERROR, do_close_stalled_imports, max_attempts
    from portal.celery import app

    layer = _layer(committed, "slow-parcels")
    path = _parcels(tmp_path / "slow.gpkg", 3)
    job = do_create_import(layer=layer, path=path, file_name=path.name, options=ImportOptions())
    task_id = uuid.uuid4().hex
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, task_id=task_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        alive = cursor.fetchone()[0]
    app.backend.store_result(task_id, {"done": 1, "total": 3, "at": 0, "pid": alive}, "PROGRESS")
    assert do_close_stalled_imports(now=time.time()) == 0
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.RUNNING
    app.backend.store_result(task_id, {"done": 1, "total": 3, "at": 0, "pid": 2**31 - 1}, "PROGRESS")
    assert do_close_stalled_imports(now=time.time()) == 1
    job.refresh_from_db()
    # Sent again as a new task (which a worker of this session may already be running), not failed.
    assert job.task_id not in ("", task_id) and job.status != ImportJob.Status.FAILED
    tried = do_create_import(layer=layer, path=path, file_name=path.name, options=ImportOptions())
    ImportJob.objects.filter(pk=tried.pk).update(status=ImportJob.Status.RUNNING, task_id=task_id,
                                                 attempts=max_attempts())
    assert do_close_stalled_imports(now=time.time()) == 1
    tried.refresh_from_db()
    assert (tried.status, tried.error) == (ImportJob.Status.FAILED, STALLED_ERROR) and tried.finished_at
