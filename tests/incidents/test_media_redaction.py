"""Faces and plates in public copies: the detector finds them, the blur makes them unreadable.

The face is a real photograph: scikit-image ships NASA's public-domain portrait of Eileen Collins
(`astronaut.png`) in its wheel, so nothing is downloaded. The plate is drawn.
"""

import importlib.resources
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from incidents.media_processing import Box, blur_regions, find_sensitive, process_media
from incidents.media_redact import detector_files

ASTRONAUT = Path(str(importlib.resources.files("skimage") / "data" / "astronaut.png"))


def _sharpness(image: np.ndarray) -> float:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def _faces(image: np.ndarray) -> list[Box]:
    return [box for box in find_sensitive(image) if box.label == "face"]


def _plate_scene() -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A grey street with a one-row white plate (a Vietnamese car plate's shape), and where the plate is."""
    rng = np.random.default_rng(3)
    scene = (rng.normal(90, 12, (300, 500))).clip(0, 255).astype(np.uint8)
    x, y, w, h = 150, 120, 200, 50
    cv2.rectangle(scene, (x, y), (x + w, y + h), 255, -1)
    cv2.rectangle(scene, (x, y), (x + w, y + h), 0, 2)
    cv2.putText(scene, "85A12345", (x + 10, y + 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 3)
    return cv2.cvtColor(scene, cv2.COLOR_GRAY2BGR), (x, y, w, h)


def _overlaps(box: Box, rect: tuple[int, int, int, int]) -> bool:
    x, y, w, h = rect
    return box.x < x + w and x < box.x + box.w and box.y < y + h and y < box.y + box.h


def test_the_cascades_ship_with_opencv():
    for path in detector_files():
        assert path.is_file() and path.stat().st_size > 10_000, path


def test_the_face_in_a_real_photo_is_found():
    photo = cv2.imread(str(ASTRONAUT))
    faces = _faces(photo)
    assert faces, "no face found in the astronaut portrait"
    # Her face is around (175-270, 65-160) in the 512 x 512 picture.
    assert any(150 < f.x + f.w / 2 < 260 and 80 < f.y + f.h / 2 < 150 and 60 < f.w < 160 for f in faces)


def test_blur_changes_only_the_boxes_and_destroys_their_detail():
    rng = np.random.default_rng(1)
    image = (rng.random((200, 300, 3)) * 255).astype(np.uint8)
    before = image.copy()
    box = Box(100, 50, 60, 60, "face")
    blurred = blur_regions(image, [box], pad=0.0)
    assert np.array_equal(image, before)  # the caller's pixels are left alone
    inside = (slice(50, 110), slice(100, 160))
    assert _sharpness(blurred[inside]) < _sharpness(image[inside]) / 50
    mask = np.ones(image.shape[:2], bool)
    mask[inside] = False
    assert np.array_equal(blurred[mask], image[mask])  # nothing outside the box is touched


def test_the_region_the_detector_returns_is_the_region_blurred():
    photo = cv2.imread(str(ASTRONAUT))
    faces = _faces(photo)
    blurred = blur_regions(photo, faces)
    for face in faces:
        region = (slice(face.y, face.y + face.h), slice(face.x, face.x + face.w))
        assert _sharpness(blurred[region]) < _sharpness(photo[region]) / 20
    assert not _faces(blurred)


def test_the_public_copy_of_a_portrait_shows_no_face(tmp_path):
    result = process_media(ASTRONAUT.read_bytes(), workdir=tmp_path)
    assert [box.label for box in result.redactions].count("face") >= 1
    public = cv2.imdecode(np.frombuffer(result.public.data, np.uint8), cv2.IMREAD_COLOR)
    assert public.shape[:2] == (512, 512)
    assert not _faces(public), "a face is still detectable in the public copy"
    thumb = np.asarray(Image.open(io.BytesIO(result.thumbnail.data)))
    assert thumb.shape[:2] == (320, 320)
    # The rest of the picture is kept: the flag and the shuttle are still sharp.
    original = cv2.imread(str(ASTRONAUT))
    corner = (slice(300, 500), slice(380, 500))
    assert _sharpness(public[corner]) > _sharpness(original[corner]) / 3


def test_a_licence_plate_is_found_and_blurred():
    scene, rect = _plate_scene()
    plates = [box for box in find_sensitive(scene) if box.label == "plate"]
    assert plates and any(_overlaps(box, rect) for box in plates), plates
    blurred = blur_regions(scene, plates)
    x, y, w, h = rect
    text = (slice(y + 5, y + h - 5), slice(x + 5, x + w - 5))
    assert _sharpness(blurred[text]) < _sharpness(scene[text]) / 10


def test_a_plain_scene_has_nothing_to_blur():
    rng = np.random.default_rng(5)
    sky = cv2.GaussianBlur((rng.random((400, 600)) * 255).astype(np.uint8), (31, 31), 0)
    assert find_sensitive(cv2.cvtColor(sky, cv2.COLOR_GRAY2BGR)) == ()


@pytest.mark.parametrize("scale", [1, 3])
def test_boxes_are_in_the_pictures_own_pixels_whatever_its_size(scale):
    photo = cv2.imread(str(ASTRONAUT))
    big = cv2.resize(photo, (512 * scale, 512 * scale), interpolation=cv2.INTER_CUBIC)
    faces = _faces(big)
    assert faces
    assert any(150 * scale < f.x + f.w / 2 < 260 * scale and 80 * scale < f.y + f.h / 2 < 150 * scale for f in faces)
