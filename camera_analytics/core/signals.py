"""What a traffic signal shows, read from the region of the frame where its head is."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

__all__ = ["SignalState", "read_signal"]

SignalState = Literal["red", "amber", "green", "unknown"]
_LIT_SHARE = 0.03  # of the region's pixels, for a lamp to count as lit


def read_signal(image: np.ndarray, roi: np.ndarray) -> SignalState:
    """The lit lamp inside the polygon `roi` (pixels of `image`): bright, saturated red, amber or green."""
    x, y, w, h = cv2.boundingRect(np.round(roi).astype(np.int32))
    height, width = image.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(width, x + w), min(height, y + h)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return "unknown"
    crop = image[y0:y1, x0:x1]
    mask = np.zeros(crop.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(roi - (x0, y0)).astype(np.int32)], 1)
    hsv = cv2.cvtColor(crop, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    lit = (sat >= 90) & (val >= 120) & (mask > 0)
    area = max(1, int(mask.sum()))
    shares = {
        "red": np.count_nonzero(lit & ((hue <= 8) | (hue >= 170))) / area,
        "amber": np.count_nonzero(lit & (hue >= 12) & (hue <= 32)) / area,
        "green": np.count_nonzero(lit & (hue >= 45) & (hue <= 95)) / area,
    }
    state, share = max(shares.items(), key=lambda kv: kv[1])
    return state if share >= _LIT_SHARE else "unknown"
