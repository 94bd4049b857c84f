"""manage.py import_layer SLUG FILE [--map column=field …] [--set column=value …] [--mode upsert] [--worker]"""

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from layers.errors import LayersError
from layers.importing import ImportOptions
from layers.imports import do_create_import, do_queue_import, run_import_job, store_upload
from layers.models import ImportJob, Layer


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CommandError(f"{flag} {item!r} is not column=value")
        pairs[key.strip()] = value.strip()
    return pairs


def _bar(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    sys.stderr.flush()


class Command(BaseCommand):
    help = "Import any file GDAL reads into a catalogued layer (all-or-nothing), with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("path")
        parser.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD")
        parser.add_argument("--set", action="append", default=[], metavar="COLUMN=VALUE",
                            help="one value for every feature, e.g. --set network=water")
        parser.add_argument("--mode", choices=["replace", "upsert"], default="replace")
        parser.add_argument("--srid", help="EPSG code (or PROJ string) when the file has no CRS")
        parser.add_argument("--vn2000", dest="vn2000_province", help="VN-2000 TM-3 zone of this province")
        parser.add_argument("--layer", dest="source_layer", help="layer of the file, for files with several")
        parser.add_argument("--worker", action="store_true", help="run on a Celery worker and follow it")

    def handle(self, *args, **opts):
        layer = Layer.objects.filter(slug=opts["slug"]).first()
        if layer is None:
            raise CommandError(f"no layer {opts['slug']!r}")
        source = Path(opts["path"])
        if not source.is_file():
            raise CommandError(f"no file {source}")
        options = ImportOptions(mapping=_pairs(opts["map"], "--map"), constants=_pairs(opts["set"], "--set"),
                                mode=opts["mode"], srid=opts["srid"], vn2000_province=opts["vn2000_province"],
                                source_layer=opts["source_layer"])
        try:
            with source.open("rb") as handle:
                stored = store_upload(source.name, iter(lambda: handle.read(2**20), b""), source.stat().st_size)
            create = do_queue_import if opts["worker"] else do_create_import
            job = create(layer=layer, path=stored, file_name=source.name, options=options)
        except LayersError as exc:
            raise CommandError(exc.user_msg) from exc
        job = self._follow(job) if opts["worker"] else run_import_job(job, _bar)
        sys.stderr.write("\n")
        if job.status != ImportJob.Status.SUCCEEDED:
            raise CommandError(job.error or f"import {job.status}")
        report = job.report
        self.stdout.write(f"{layer.slug} v{report['version']}: {report['created']} created, {report['updated']} "
                          f"updated, {report['removed']} removed, {report['features_skipped']} skipped")
        for note in report["notes"]:
            self.stdout.write(f"  note: {note}")

    def _follow(self, job: ImportJob) -> ImportJob:
        from celery.result import AsyncResult

        while True:
            job.refresh_from_db()
            if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
                return job
            if job.task_id:
                info = AsyncResult(job.task_id).info
                if isinstance(info, dict) and "done" in info:
                    _bar(info["done"], info["total"])
            time.sleep(0.5)
