"""manage.py analyze_video CAMERA FILE: a progress bar while it runs, counts and violations when done; a bad
camera or video is a one-line error and creates nothing."""

import io

import pytest
from camera_helpers import CLIPS, clip_path
from django.core.management import CommandError, call_command

from camera_analytics import services
from camera_analytics.models import AnalysisRun

pytestmark = pytest.mark.django_db


def test_a_clip_is_analysed_with_a_progress_bar(make_camera, evidence_dirs):
    camera = make_camera("video02")
    services.do_save_rules(camera=camera, rules=CLIPS["video02"]["rules"], frame_size=(320, 240))
    out, err = io.StringIO(), io.StringIO()
    call_command("analyze_video", camera.ext_id, str(clip_path("video02")), "--stop", "250",
                 "--recorded-at", "2026-11-20T08:00:00", "--no-incidents", stdout=out, stderr=err)
    bar = err.getvalue()
    assert "[" in bar and "100%" in bar and "250/250 frames" in bar
    text = out.getvalue()
    assert "250 frames" in text and "carriageway-left" in text and "carriageway-right" in text
    run = AnalysisRun.objects.get()
    assert run.status == "done" and run.frames_done == 250 and run.recorded_at.hour == 1  # 08:00 +07:00
    assert run.summary["realtime_ratio"] > 0


def test_a_camera_by_its_layer_and_ext_id_or_its_id(make_camera, evidence_dirs):
    camera = make_camera("video02")
    for key in (f"{camera.layer.slug}:{camera.ext_id}", str(camera.pk)):
        call_command("analyze_video", key, str(clip_path("video02")), "--stop", "30", "--again",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert AnalysisRun.objects.filter(status="done").count() == 2


@pytest.mark.parametrize("args, message", [
    (["CAM-nowhere", "x.avi"], "No camera CAM-nowhere"),
    (["{camera}", "{missing}"], "There is no video file at"),
    (["{camera}", "{text}"], "is not a video OpenCV can read"),
    (["{camera}"], "give the video FILE"),
])
def test_bad_input_is_one_line_and_creates_nothing(make_camera, evidence_dirs, args, message):
    camera = make_camera("video02")
    text = evidence_dirs / "notes.avi"
    text.write_text("not a video")
    values = {"camera": camera.ext_id, "missing": str(evidence_dirs / "missing.avi"), "text": str(text)}
    with pytest.raises(CommandError, match=message):
        call_command("analyze_video", *[a.format(**values) for a in args], stdout=io.StringIO(),
                     stderr=io.StringIO())
    assert not AnalysisRun.objects.exists()
