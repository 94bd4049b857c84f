"""Faces and licence plates found with OpenCV's Haar cascades, and made unreadable in public copies.

Haar cascades miss some faces (strong profiles, small or dark ones) and the plate cascade was trained
on one-row plates: it finds Vietnamese car plates but not the two-row motorbike ones. Public copies
are therefore a best effort; originals stay private whatever is found.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

__all__ = ["Box", "find_sensitive", "blur_regions", "detector_files"]

Label = Literal["face", "plate"]


@dataclass(frozen=True, slots=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    label: Label

    def as_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "label": self.label}


@dataclass(frozen=True, slots=True)
class _Cascade:
    label: Label
    file: str  # shipped in opencv-python-headless 4.x under cv2.data.haarcascades
    args: dict
    mirrored: bool = False  # also run on the mirrored picture
    equalized: bool = True  # on a histogram-equalised picture (helps faces in shade; plates lose contrast)


_CASCADES = (
    _Cascade("face", "haarcascade_frontalface_default.xml", {"scaleFactor": 1.1, "minNeighbors": 5}),
    # The profile cascade knows faces looking one way; the mirrored picture gives the other.
    _Cascade("face", "haarcascade_profileface.xml", {"scaleFactor": 1.1, "minNeighbors": 6}, mirrored=True),
    _Cascade("plate", "haarcascade_russian_plate_number.xml", {"scaleFactor": 1.1, "minNeighbors": 4},
             equalized=False),
)


def detector_files() -> list[Path]:
    return [Path(cv2.data.haarcascades) / cascade.file for cascade in _CASCADES]


@cache
def _classifier(name: str) -> cv2.CascadeClassifier:
    path = Path(cv2.data.haarcascades) / name
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        # A deployment problem (opencv 5 dropped the cascades), never the user's: fail loudly.
        raise RuntimeError(f"OpenCV cascade {path} is missing or unreadable; install opencv-python-headless<5")
    return classifier


def find_sensitive(image: np.ndarray, *, max_side: int = 1280, min_size: int = 20,
                   fast: bool = False) -> tuple[Box, ...]:
    """Faces and plates in a BGR or grey `image`, in its own pixel coordinates.

    Detection runs on a copy scaled down to `max_side` (cost grows with the area; faces smaller than
    `min_size` pixels there are not found). `fast` (video frames) takes coarser scale steps and skips
    the profile-face cascade: about a third of the time, fewer side views found.
    """
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    height, width = grey.shape
    scale = min(1.0, max_side / max(height, width))
    if scale < 1.0:
        grey = cv2.resize(grey, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    equalized = cv2.equalizeHist(grey)
    small_w = grey.shape[1]
    boxes: list[Box] = []
    for cascade in _CASCADES:
        if fast and cascade.mirrored:
            continue
        args = {**cascade.args, "scaleFactor": 1.2} if fast else cascade.args
        classifier = _classifier(cascade.file)
        picture = equalized if cascade.equalized else grey
        for flipped in (False, True) if cascade.mirrored else (False,):
            view = cv2.flip(picture, 1) if flipped else picture
            found = classifier.detectMultiScale(view, minSize=(min_size, min_size), **args)
            for x, y, w, h in found if len(found) else ():
                x = small_w - x - w if flipped else x
                boxes.append(Box(round(x / scale), round(y / scale), round(w / scale), round(h / scale),
                                 cascade.label))
    return tuple(boxes)


def blur_regions(image: np.ndarray, boxes: tuple[Box, ...] | list[Box], *, pad: float = 0.2) -> np.ndarray:
    """A copy of `image` with every box (grown by `pad` of its size) made unreadable.

    The region is first reduced to a coarse mosaic, which throws the detail away for good, then
    smoothed so the result reads as a blur rather than blocks.
    """
    out = image.copy()
    height, width = out.shape[:2]
    for box in boxes:
        grow_x, grow_y = round(box.w * pad), round(box.h * pad)
        x0, y0 = max(0, box.x - grow_x), max(0, box.y - grow_y)
        x1, y1 = min(width, box.x + box.w + grow_x), min(height, box.y + box.h + grow_y)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        region = out[y0:y1, x0:x1]
        cells = max(1, min(x1 - x0, y1 - y0) // 6)  # six cells across the short side
        coarse = cv2.resize(region, (max(1, (x1 - x0) // cells), max(1, (y1 - y0) // cells)),
                            interpolation=cv2.INTER_AREA)
        region = cv2.resize(coarse, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
        kernel = max(3, (min(x1 - x0, y1 - y0) // 4) | 1)
        out[y0:y1, x0:x1] = cv2.GaussianBlur(region, (kernel, kernel), 0)
    return out
