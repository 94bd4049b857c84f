"""Moving things in a fixed camera's frames: background subtraction (OpenCV's MOG2) with its shadow test.

MOG2 marks each pixel background, shadow (darker than the background by a bounded ratio, same colour)
or foreground; shadows are dropped, so a car's cast shadow does not join it to the next lane. Before
that, each frame's brightness is brought back to the scene's (cameras re-expose when a white car fills
the view, which would otherwise light up the whole frame as foreground). Blobs come out as boxes in the
frame's pixels; regions the rules mark as ignored (on-screen clocks, trees) never yield any.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .records import BBox

__all__ = ["MotionSettings", "MotionDetector", "median_background"]


@dataclass(frozen=True, slots=True)
class MotionSettings:
    # How long the background remembers: a new still thing becomes background after about a tenth of it.
    history_s: float = 20.0
    var_threshold: float = 25.0  # squared Mahalanobis distance a pixel must be off the background
    shadow_ratio: float = 0.5  # darker than this share of the background is not a shadow any more
    min_area: float = 0.0008  # smallest blob kept, share of the frame (about 60 px at 320 x 240)
    close_px: int = 7  # holes (windows, dark roofs) closed in a blob, at 320 px wide
    exposure: bool = True
    mixtures: int = 5
    # The least variance a background pixel may have: compression noise (blocks trailing behind a car) stays
    # within it.
    var_min: float = 25.0
    blur: bool = True  # a 3 x 3 Gaussian first, against the same noise


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def median_background(images: Sequence[np.ndarray]) -> np.ndarray:
    """The per-pixel median of a few frames: the empty road, when traffic moves."""
    return np.median(np.stack(images), axis=0).astype(np.uint8)


class MotionDetector:
    """Boxes of moving things, one frame at a time, in the pixels of the frames it is given."""

    def __init__(self, size: tuple[int, int], fps: float, *, ignore: np.ndarray | None = None,
                 settings: MotionSettings = MotionSettings()):
        width, height = size
        self.size = size
        self.settings = settings
        history = max(10, round(settings.history_s * fps))
        self._learning_rate = 1.0 / history
        self._mog = cv2.createBackgroundSubtractorMOG2(history=history, varThreshold=settings.var_threshold,
                                                       detectShadows=True)
        self._mog.setShadowThreshold(settings.shadow_ratio)
        self._mog.setNMixtures(settings.mixtures)
        self._mog.setVarMin(settings.var_min)
        self._keep = None if ignore is None else np.where(ignore > 0, 0, 255).astype(np.uint8)
        scale = width / 320.0
        self._open = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
        close = max(3, round(settings.close_px * scale) | 1)
        self._close = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close, close))
        self._min_area = settings.min_area * width * height
        self._background: np.ndarray | None = None
        self._gain = 1.0
        self._compensating = False
        self._frames = 0
        self._refresh = max(1, round(fps / 6))
        self.mask: np.ndarray | None = None  # the last foreground, for evidence and debugging

    def prime(self, samples: Sequence[np.ndarray]) -> None:
        """Start from the scene the samples share (frames of the first seconds, spread out).

        Their median is the empty road when traffic moves; it seeds the model, and the samples themselves
        then teach it how much the road's pixels vary (their cars are too rare in them to become background).
        """
        background = median_background(samples)
        for _ in range(5):
            self._mog.apply(background, learningRate=0.5)
        for _ in range(3):
            for sample in samples:
                self._mog.apply(sample, learningRate=0.03)
                self._mog.apply(background, learningRate=0.03)

    def _exposed(self, image: np.ndarray) -> np.ndarray:
        """The frame brought to the background model's exposure, when the camera re-exposed.

        Judged on the pixels the last frame found background, against the model's own background
        image (refreshed a few times a second). Small drifts are left to the model, which follows them;
        a jump (a white car filling the view) is undone until the camera settles back.
        """
        self._frames += 1
        if self._background is None or self._frames % self._refresh == 0:
            self._background = _grey(self._mog.getBackgroundImage())[::4, ::4].astype(np.float32)
        sample = _grey(image)[::4, ::4].astype(np.float32)
        still = np.ones(sample.shape, dtype=bool)
        if self.mask is not None:
            still = self.mask[::4, ::4][: sample.shape[0], : sample.shape[1]] == 0
        if still.mean() >= 0.2:  # a frame full of motion says nothing about exposure: keep the last gain
            seen = float(np.median(self._background[still])) / max(float(np.median(sample[still])), 1.0)
            seen = min(max(seen, 0.4), 2.5)
            # Slightly darker frames pass MOG2's shadow test (same colour, at least `shadow_ratio` as bright)
            # and slow drifts are learnt; only a jump needs undoing.
            if self._compensating or abs(seen - 1.0) > 0.15:
                self._gain = 0.5 * self._gain + 0.5 * seen
                self._compensating = abs(self._gain - 1.0) > 0.03
            else:
                self._gain = 1.0
        if not self._compensating:
            return image
        return cv2.convertScaleAbs(image, alpha=self._gain)

    def detect(self, image: np.ndarray) -> list[BBox]:
        if self.settings.blur:
            image = cv2.GaussianBlur(image, (3, 3), 0)
        if self.settings.exposure:
            image = self._exposed(image)
        raw = self._mog.apply(image, learningRate=self._learning_rate)
        _, fg = cv2.threshold(raw, 200, 255, cv2.THRESH_BINARY)  # 127 is shadow
        if self._keep is not None:
            fg = cv2.bitwise_and(fg, self._keep)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._open)
        fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, self._close)
        self.mask = fg
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(fg, connectivity=8)
        boxes = [BBox(float(x), float(y), float(w), float(h))
                 for x, y, w, h, area in stats[1:count] if area >= self._min_area]
        return _merge_nested(boxes)


def _merge_nested(boxes: list[BBox]) -> list[BBox]:
    """A blob inside another's box (a windscreen seen apart from its car) joins it."""
    boxes = sorted(boxes, key=lambda b: -b.w * b.h)
    kept: list[BBox] = []
    for box in boxes:
        for i, big in enumerate(kept):
            if big.overlap_share(box) > 0.6:
                kept[i] = big.union(box)
                break
        else:
            kept.append(box)
    return kept
