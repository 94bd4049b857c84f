"""A job delivered more than once (the broker's redelivery after a worker died, the reaper's re-queue) is run once:
a delivery that finds it held by another session leaves it, a finished job is left as it is, and a job whose
workers keep dying stops after max_attempts()."""

import geopandas as gpd
import psycopg
import pytest
import shapely
from django.db import connection

from layers.importing import ImportOptions
from layers.imports import LOCK_SPACE, STALLED_ERROR, ImportRunning, do_create_import, max_attempts, run_import_job
from layers.models import ImportJob, LandParcel, Layer
from portal.session_locks import lock_keys

pytestmark = pytest.mark.django_db


def _job(tmp_path, count: int = 5) -> ImportJob:
    layer = Layer.objects.create(slug="redelivered", kind="land_parcel", title_vi="t", title_en="t", theme="planning")
    frame = gpd.GeoDataFrame({"ext_id": [f"D{i}" for i in range(count)], "sheet_no": ["1"] * count,
                              "parcel_no": [str(i) for i in range(count)]},
                             geometry=[shapely.box(108.99 + i * 1e-3, 11.56, 108.9905 + i * 1e-3, 11.5605)
                                       for i in range(count)], crs=4326)
    folder = tmp_path / "upload"
    folder.mkdir()
    frame.to_file(folder / "parcels.gpkg", engine="pyogrio")
    return do_create_import(layer=layer, path=folder / "parcels.gpkg", file_name="parcels.gpkg",
                            options=ImportOptions())


def _other_session():
    cfg = connection.settings_dict
    return psycopg.connect(host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
                           password=cfg["PASSWORD"] or None, dbname=cfg["NAME"], autocommit=True)


def test_a_job_another_session_holds_is_left_to_it(tmp_path):
    job = _job(tmp_path)
    with _other_session() as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", lock_keys(LOCK_SPACE, job.pk))
        with pytest.raises(ImportRunning):
            run_import_job(job)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.QUEUED, 0)
    assert not LandParcel.objects.filter(layer=job.layer).exists()
    # Its session gone (the worker that held it died), the next delivery runs it.
    assert run_import_job(job).status == ImportJob.Status.SUCCEEDED
    assert LandParcel.objects.filter(layer=job.layer).count() == 5


def test_a_finished_job_delivered_again_is_not_imported_again(tmp_path):
    job = run_import_job(_job(tmp_path))
    assert (job.status, job.attempts, job.report["imported"]) == (ImportJob.Status.SUCCEEDED, 1, 5)
    version = Layer.objects.get(pk=job.layer_id).version
    again = run_import_job(job)
    assert (again.status, again.attempts) == (ImportJob.Status.SUCCEEDED, 1)
    assert Layer.objects.get(pk=job.layer_id).version == version


def test_a_job_whose_workers_keep_dying_stops_after_the_last_attempt(tmp_path):
    job = _job(tmp_path)
    # As the rows look after max_attempts() deliveries each killed part-way (a file that exhausts memory).
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempts=max_attempts())
    job = run_import_job(job)
    assert (job.status, job.error, job.attempts) == (ImportJob.Status.FAILED, STALLED_ERROR, max_attempts())
    assert job.finished_at and not LandParcel.objects.filter(layer=job.layer).exists()
    # The lock was given back: nothing of this delivery holds the job.
    with _other_session() as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s, %s)", lock_keys(LOCK_SPACE, job.pk)).fetchone()[0]
