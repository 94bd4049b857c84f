"""manage.py analyze_video CAMERA FILE [--recorded-at ISO] [--start N] [--stop N] [--worker] [--no-incidents]
manage.py analyze_video CAMERA --stream --seconds 60"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.errors import PortalError

from ...models import AnalysisRun
from ...runs import check_source, do_start_analysis, do_start_stream_chunk, execute_run, recorded_at_of
from ...services import camera_by_key
from ...storage import private_storage


class _Bar:
    """A progress bar on stderr: redrawn in place on a terminal, a line every tenth otherwise."""

    def __init__(self, stream):
        self.stream = stream  # the command's stderr (an OutputWrapper: it adds no ending when told)
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.last_tenth = -1

    def __call__(self, done: int, total: int | None) -> None:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = f"{done / elapsed:6.0f} frames/s"
        if total:
            width = 30
            share = min(1.0, done / total)
            filled = round(width * share)
            text = f"  [{'#' * filled}{'.' * (width - filled)}] {share:4.0%} {done}/{total} frames {rate}"
            tenth = int(share * 10)
        else:
            text, tenth = f"  {done} frames {rate}", done // 1000
        if self.tty:
            self.stream.write("\r" + text, ending="")
        elif tenth != self.last_tenth:
            self.stream.write(text)
        self.last_tenth = tenth
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("")


class Command(BaseCommand):
    help = ("Analyse a clip (or a chunk of the camera's stream) from a fixed camera: counts, violations with "
            "evidence, an incident per vehicle. CAMERA is its id, ext_id or layer-slug:ext_id.")

    def add_arguments(self, parser):
        parser.add_argument("camera")
        parser.add_argument("file", nargs="?", help="the video file (not with --stream)")
        parser.add_argument("--recorded-at", help="when the first frame was recorded, ISO 8601 (default: now)")
        parser.add_argument("--start", type=int, default=0, help="first frame")
        parser.add_argument("--stop", type=int, help="frame to stop before")
        parser.add_argument("--fps", type=float, help="frame rate, when the file's header says none or wrongly")
        parser.add_argument("--stream", action="store_true", help="read the camera's own stream")
        parser.add_argument("--seconds", type=float, default=60.0, help="with --stream: how long to read")
        parser.add_argument("--no-incidents", dest="incidents", action="store_false",
                            help="count and keep violations, file no incident")
        parser.add_argument("--again", action="store_true", help="analyse a clip analysed before")
        parser.add_argument("--worker", action="store_true", help="run on a Celery worker and follow it")

    def handle(self, *args, **opts):
        try:
            camera = camera_by_key(opts["camera"])
            run = self._start(camera, opts)
            bar = _Bar(self.stderr)
            run = self._follow(run, bar) if opts["worker"] else execute_run(run.pk, progress=bar)
            bar.close()
        except PortalError as exc:
            raise CommandError(exc.user_msg) from exc
        except ValueError as exc:  # the core's errors are ValueErrors with a message for people
            raise CommandError(str(exc)) from exc
        self._report(run)

    def _start(self, camera, opts) -> AnalysisRun:
        if opts["stream"]:
            return do_start_stream_chunk(camera=camera, seconds=opts["seconds"], file_incidents=opts["incidents"],
                                         queue=opts["worker"])
        if not opts["file"]:
            raise CommandError("give the video FILE, or --stream")
        path = Path(opts["file"])
        recorded_at = recorded_at_of(opts["recorded_at"])
        common = {"camera": camera, "recorded_at": recorded_at, "start": opts["start"], "stop": opts["stop"],
                  "file_incidents": opts["incidents"], "again": opts["again"], "fps": opts["fps"],
                  "source_name": path.name}
        if not opts["worker"]:
            return do_start_analysis(source=path.resolve(), queue=False, any_path=True, **common)
        # A worker may be on another machine: the clip goes to the shared private storage, once it is known
        # to be a video (nothing is stored for a bad one).
        check_source(path.resolve(), fps=opts["fps"])
        storage = private_storage()
        with path.open("rb") as handle:
            name = storage.save(f"clips/cli/{path.name}", handle)
        try:
            with transaction.atomic():
                return do_start_analysis(source=storage.path(name), upload_name=name, **common)
        except BaseException:
            storage.delete(name)
            raise

    def _follow(self, run: AnalysisRun, bar: _Bar) -> AnalysisRun:
        while True:
            run.refresh_from_db()
            bar(run.frames_done, run.frames_total)
            if run.status in (AnalysisRun.State.DONE, AnalysisRun.State.FAILED):
                if run.status == AnalysisRun.State.FAILED:
                    raise CommandError(f"run {run.pk} failed: {run.error}")
                return run
            time.sleep(0.5)

    def _report(self, run: AnalysisRun) -> None:
        summary = run.summary
        self.stdout.write(f"run {run.pk}: {summary.get('frames_read', 0)} frames, {summary.get('tracks', 0)} "
                          f"tracks, {summary.get('realtime_ratio')}x real time")
        for row in summary.get("counts", []):
            self.stdout.write(f"  {row['line']:<24} {row['direction']:<14} {row['vehicles']:>5} vehicles")
        for violation in run.violations.order_by("observed_at"):
            where = f"{violation.geom.y:.6f}, {violation.geom.x:.6f}" if violation.geom else "not placed"
            filed = violation.incident.tracking_code if violation.incident else (violation.incident_error or "-")
            self.stdout.write(f"  {violation.kind:<12} track {violation.track_id:<5} {where}  {filed}")
        self.stdout.write(f"{summary.get('incidents', 0)} incidents filed")
