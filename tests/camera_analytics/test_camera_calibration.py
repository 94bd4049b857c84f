"""Homographies fitted on point pairs measured on the real clips' frames: pixels to metres and lon/lat and back,
and every degenerate set of pairs refused with the reason."""

import math

import numpy as np
import pytest
from camera_helpers import CLIPS, calibration_of, pairs_of
from pyproj import Geod

from camera_analytics.core.calibration import PointPair, fit_calibration
from camera_analytics.core.errors import DegenerateCalibration, OutsideFrame

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("key", ["video03", "parking"])
def test_round_trip_on_the_calibration_points_is_under_half_a_metre(key):
    calibration = calibration_of(key)
    # Map point -> pixel -> map point, and pixel -> ground against where the pair says it is.
    assert max(calibration.round_trip_errors_m()) < 0.5
    assert max(calibration.errors_m) < 0.5
    lonlat = calibration.pixel_to_lonlat(np.array([(p.u, p.v) for p in calibration.pairs]))
    for (lon, lat), pair in zip(lonlat, calibration.pairs, strict=True):
        _az, _back, metres = GEOD.inv(lon, lat, pair.lon, pair.lat)
        assert metres < 0.5


def test_nine_pairs_on_the_overpass_clip_agree_to_centimetres():
    calibration = calibration_of("video03")
    assert len(calibration.pairs) == 9
    assert calibration.rms_m < 0.1
    assert max(calibration.errors_px) < 2.5


def test_pixels_give_metres_on_the_ground_and_the_known_dash_cycle():
    calibration = calibration_of("video03")
    # The broken line's dashes start every 40 ft (12.19 m): two dash starts a cycle apart.
    ground = calibration.pixel_to_ground(np.array([(127.9, 216.5), (158.2, 160.1), (178.2, 124.1)]))
    assert np.hypot(*(ground[1] - ground[0])) == pytest.approx(12.19, abs=0.15)
    assert np.hypot(*(ground[2] - ground[1])) == pytest.approx(12.19, abs=0.15)
    # Finer near the camera than far from it.
    assert calibration.metres_per_pixel(160, 220) < calibration.metres_per_pixel(200, 100)


def test_the_horizon_maps_nowhere():
    calibration = calibration_of("video03")
    # The lane lines meet at about y = -54: the top rows of an overpass view are still ground, above is sky.
    assert np.isnan(calibration.pixel_to_ground(np.array([(275.0, -80.0)]))).all()


def test_scaled_to_another_frame_size_the_ground_is_the_same():
    calibration = calibration_of("parking")  # calibrated on 768 x 432
    small = calibration.scaled_to(320, 180)
    full = calibration.pixel_to_lonlat(np.array([(384.0, 216.0)]))
    scaled = small.pixel_to_lonlat(np.array([(160.0, 90.0)]))
    assert np.allclose(full, scaled, atol=1e-9)


def _pairs(points_px, points_m, lon=108.99, lat=11.56):
    out = []
    for (u, v), (x, y) in zip(points_px, points_m, strict=True):
        distance = math.hypot(x, y)
        plon, plat, _ = GEOD.fwd(lon, lat, math.degrees(math.atan2(x, y)), distance) if distance else (lon, lat, 0)
        out.append(PointPair(u, v, plon, plat))
    return out


SQUARE_PX = [(50, 200), (250, 200), (230, 60), (70, 60)]
SQUARE_M = [(0, 0), (7, 0), (7, 30), (0, 30)]


def test_four_good_pairs_fit_exactly():
    calibration = fit_calibration(_pairs(SQUARE_PX, SQUARE_M), frame_size=(320, 240))
    assert calibration.max_m < 1e-6


@pytest.mark.parametrize("pairs, reason", [
    (_pairs(SQUARE_PX[:3], SQUARE_M[:3]), "At least 4 point pairs are needed; 3 given."),
    (_pairs([], []), "At least 4 point pairs are needed; 0 given."),
    (_pairs([(10, 200), (60, 180), (110, 160), (160, 140)], SQUARE_M), "on the frame lie on one line"),
    (_pairs(SQUARE_PX, [(0, 0), (0, 10), (0, 20), (0, 30)]), "on the map lie on one line"),
    # Three of the four on one line: a homography is not fixed either.
    (_pairs([(50, 200), (150, 200), (250, 200), (150, 60)], SQUARE_M), "three of every four"),
    (_pairs([(50, 200), (50, 200), (230, 60), (70, 60)], SQUARE_M), "Points 1 and 2 are the same place"),
    # Pixels paired with the wrong map points: the ground would fold over.
    (_pairs(SQUARE_PX, [(0, 0), (7, 30), (7, 0), (0, 30)]), "check that each pixel is paired"),
])
def test_degenerate_calibrations_are_refused_with_the_reason(pairs, reason):
    with pytest.raises(DegenerateCalibration) as caught:
        fit_calibration(pairs, frame_size=(320, 240))
    assert reason in caught.value.message
    assert caught.value.as_dict()["code"] == "degenerate_calibration"


def test_a_pixel_outside_the_frame_is_refused():
    pairs = _pairs([(50, 200), (250, 200), (330, 60), (70, 60)], SQUARE_M)
    with pytest.raises(OutsideFrame, match="Point 3"):
        fit_calibration(pairs, frame_size=(320, 240))


def test_the_clips_pairs_are_what_the_fixture_documents():
    for key in ("video03", "parking"):
        assert len(pairs_of(key)) == len(CLIPS[key]["pairs"]) >= 4
