"""Vehicles counted per direction on the three real clips, against the counts made once by hand
(fixtures/camera_clips.py says how): within ±15 %."""

import pytest
from camera_helpers import CLIPS, calibration_of, clip_path, rules_of, within

from camera_analytics.core.pipeline import PipelineOptions, analyze


@pytest.fixture(scope="module")
def results():
    found = {}
    for key in CLIPS:
        calibration = calibration_of(key) if "pairs" in CLIPS[key] else None
        found[key] = analyze(clip_path(key), rules=rules_of(key, lanes=key == "video03"), calibration=calibration,
                             options=PipelineOptions(threads=1))
    return found


@pytest.mark.parametrize("key", list(CLIPS))
def test_counts_per_direction_are_within_15_percent_of_the_hand_counts(results, key):
    measured = results[key].counts_by_direction()
    for direction, labelled in CLIPS[key]["counts"].items():
        got = measured.get(direction, 0)
        assert within(got, labelled), f"{key} {direction}: {got} counted, {labelled} by hand"


def test_the_motorway_counts_each_carriageway_in_its_own_direction(results):
    counts = results["video02"].counts()
    for (line, direction), labelled in CLIPS["video02"]["counts_by_line"].items():
        assert within(counts.get((line, direction), 0), labelled)
    # Nothing drives the wrong way on a motorway: crossings against each carriageway's traffic are noise.
    against = counts.get(("carriageway-left", "receding"), 0) + counts.get(("carriageway-right", "approaching"), 0)
    assert against <= 1


def test_the_overpass_counts_each_lane(results):
    by_lane: dict[str, int] = {}
    for crossing in results["video03"].crossings:
        by_lane[crossing.lane] = by_lane.get(crossing.lane, 0) + 1
    for lane, labelled in CLIPS["video03"]["counts_by_lane"].items():
        assert within(by_lane.get(lane, 0), labelled), (lane, by_lane)


def test_the_whole_clips_were_read_and_nothing_was_judged_a_violation(results):
    for key, result in results.items():
        assert result.frames_read == CLIPS[key]["frames"]
        assert result.violations == []  # lanes are driven the right way; no zones, limits or signals here


def test_the_60_fps_clip_is_analysed_at_30(results):
    result = results["video03"]
    assert result.analysed_fps == pytest.approx(30.0, rel=1e-3)
    assert result.frames_analysed == pytest.approx(result.frames_read / 2, abs=1)
