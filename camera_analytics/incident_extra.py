"""What a camera's incident keeps about its vehicle in `Incident.extra`: the one shape camera analytics writes
and reports read (camera violations by camera and kind). No Django here, so the reports' SQL side can use it.

An incident is one vehicle (track); `violation` is the kind of its first violation, the one it is placed at,
so a vehicle seen doing two things counts once, under what it did first. `violations` lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

__all__ = ["CAMERA_KEY", "VIOLATION_KEY", "FiledViolation", "incident_extra"]

CAMERA_KEY = "camera"  # the camera's ext_id
VIOLATION_KEY = "violation"  # kind of the first violation: wrong_way, no_stopping, speeding, red_light


@dataclass(frozen=True, slots=True)
class FiledViolation:
    kind: str
    rule: str
    speed_kmh: float | None = None
    id: int | None = None  # the stored Violation row (none for generated sample data)


def incident_extra(*, camera: str, camera_id: int | None, run: int | None, track: int | None,
                   violations: Sequence[FiledViolation]) -> dict:
    """`violations` in the order they happened (the first names the incident's kind)."""
    if not violations:
        raise ValueError("an incident from a camera names at least one violation")
    return {CAMERA_KEY: camera, "camera_id": camera_id, "run": run, "track": track,
            VIOLATION_KEY: violations[0].kind, "violations": [asdict(v) for v in violations]}
