"""One clip (or one chunk of a stream) through the whole core: frames → motion → tracks → rules → evidence.

Frames are analysed at no more than `max_fps` (a 60 fps clip at 30: every other frame is only grabbed),
at no more than 320 x 240; evidence is cut from the frames at their full size. The background model
starts from the median of the first seconds, so cars already in view at the start do not leave ghosts.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from .calibration import Calibration
from .errors import BadRule, VideoWithoutFrames
from .evidence import EvidenceFrame, FrameBuffer, PendingEvidence, PlateFinder, write_evidence
from .judging import Judge, JudgeSettings
from .motion import MotionDetector, MotionSettings
from .records import AnalysisResult, Crossing, Track, Violation
from .rules import RuleSet
from .tracking import Tracker, TrackerSettings
from .video import Frame, analysis_size, probe, read_frames

__all__ = ["PipelineOptions", "analyze", "analyze_frames", "Progress", "CAPTIONS"]

Progress = Callable[[int, int | None], None]  # frames read so far, frames in all (None: unknown)

CAPTIONS = {"wrong_way": "Nguoc chieu", "no_stopping": "Dung sai quy dinh", "speeding": "Qua toc do",
            "red_light": "Vuot den do"}  # burnt into evidence pictures: ASCII, OpenCV's fonts have no diacritics


@dataclass(frozen=True)
class PipelineOptions:
    max_fps: float = 30.0
    max_size: tuple[int, int] = (320, 240)
    prime_s: float = 3.0
    pre_s: float = 2.0  # evidence clips start this long before the violation is certain
    post_s: float = 1.5  # and go on this long after
    evidence_dir: Path | None = None  # None: no evidence files (counting, benchmarks)
    clock_start: float | None = None  # POSIX time of frame 0, for signal schedules and captions
    utc_offset_h: float = 7.0  # captions in the camera's local time (Việt Nam: UTC+7)
    threads: int | None = None  # OpenCV's threads; 1 for a per-core figure
    motion: MotionSettings = field(default_factory=MotionSettings)
    tracker: TrackerSettings = field(default_factory=TrackerSettings)
    judge: JudgeSettings = field(default_factory=JudgeSettings)


def analyze(source: str | Path, *, rules: RuleSet, calibration: Calibration | None = None,
            options: PipelineOptions = PipelineOptions(), start: int = 0, stop: int | None = None,
            max_seconds: float | None = None, fps: float | None = None,
            progress: Progress | None = None) -> AnalysisResult:
    """A file or stream analysed from frame `start` to `stop` (or for `max_seconds` of a live stream)."""
    info = probe(source, fps=fps)
    stride = max(1, round(info.fps / options.max_fps))
    total = None if info.frame_count is None else max(0, min(stop or info.frame_count, info.frame_count) - start)
    frames = read_frames(source, fps=info.fps, start=start, stop=stop, every=stride, max_seconds=max_seconds)
    return analyze_frames(frames, fps=info.fps, size=(info.width, info.height), stride=stride, total=total,
                          rules=rules, calibration=calibration, options=options, progress=progress)


def _primed(frames: Iterator[Frame], seconds: float, fps: float) -> tuple[list[Frame], Iterator[Frame]]:
    head = list(itertools.islice(frames, max(1, math.ceil(seconds * fps))))
    return head, itertools.chain(head, frames)


def _small(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if (image.shape[1], image.shape[0]) == size:
        return image
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def analyze_frames(frames: Iterable[Frame], *, fps: float, size: tuple[int, int], rules: RuleSet,
                   calibration: Calibration | None = None, options: PipelineOptions = PipelineOptions(),
                   stride: int = 1, total: int | None = None, progress: Progress | None = None) -> AnalysisResult:
    """Analyse frames already read (every `stride`-th of a `fps` source; tests build them from real ones)."""
    if options.threads is not None:
        cv2.setNumThreads(options.threads)
    if rules.needs_ground and calibration is None:
        raise BadRule("Speed limits need the camera calibrated: speeds are measured on the ground.",
                      field="rules")
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    width, height = size
    small_size = analysis_size(width, height, max_width=options.max_size[0], max_height=options.max_size[1])
    analysed_fps = fps / stride
    local_rules = rules.scaled_to(*small_size)
    local_cal = calibration.scaled_to(*small_size) if calibration is not None else None
    to_full = (width / small_size[0], height / small_size[1])

    head, stream = _primed(iter(frames), options.prime_s, analysed_fps)
    if not head:
        raise VideoWithoutFrames("The video holds no picture that decodes.", field="file")
    detector = MotionDetector(small_size, analysed_fps, ignore=rules.ignore_mask(*small_size),
                              settings=options.motion)
    samples = [_small(f.image, small_size) for f in head[:: max(1, len(head) // 15)]]
    detector.prime(samples)
    tracker = Tracker(analysed_fps, small_size, options.tracker, stride=stride)
    judge = Judge(local_rules, calibration=local_cal, fps=analysed_fps, clock_start=options.clock_start,
                  scale=(small_size[0] / rules.frame_size[0], small_size[1] / rules.frame_size[1]),
                  settings=options.judge)
    buffer = FrameBuffer(round(options.pre_s * analysed_fps))
    post = round(options.post_s * analysed_fps) * stride
    pending: list[PendingEvidence] = []
    finder = PlateFinder(every=max(1, round(analysed_fps / 2)))
    stop_pictures: dict[int, tuple[EvidenceFrame, object]] = {}
    tracks: list[Track] = []
    crossings: list[Crossing] = []
    violations: list[Violation] = []
    read = analysed = 0
    first = head[0].index
    report_every = max(1, round(analysed_fps))

    for frame in stream:
        read = frame.index - first + 1
        analysed += 1
        small = _small(frame.image, small_size)
        boxes = detector.detect(small)
        grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
        ended = tracker.update(frame.index, frame.t, boxes, grey)
        live = tracker.confirmed()
        found_crossings, found = judge.step(frame.index, frame.t, live, tracker, small)
        crossings += found_crossings
        tracks += ended
        judge.forget(ended)
        if options.evidence_dir is not None:
            shot = EvidenceFrame(index=frame.index, t=frame.t, image=frame.image,
                                 vehicles={t.track.id: t.box.scaled(*to_full) for t in tracker.live})
            buffer.append(shot)
            for t in live:  # the picture of a vehicle the moment it stopped, for no-stopping evidence
                if t.track.id not in stop_pictures and judge.stopped(t.track.id):
                    stop_pictures[t.track.id] = (shot, t.box.scaled(*to_full))
            for item in pending:
                item.add(shot)
            pending += [_pending(v, buffer, frame.index + post, to_full, stop_pictures) for v in found]
            done = [p for p in pending if p.complete(frame.index)]
            pending = [p for p in pending if not p.complete(frame.index)]
            for item in done:
                item.violation.evidence = _write(item, options, analysed_fps, finder)
        violations += found
        if progress is not None and analysed % report_every == 0:
            progress(read, total)
    tracks += tracker.finish()
    for item in pending:
        item.violation.evidence = _write(item, options, analysed_fps, finder)
    if progress is not None:
        progress(read, total)
    return AnalysisResult(fps=fps, analysed_fps=analysed_fps, frames_read=read, frames_analysed=analysed,
                          first_frame=first, size=small_size, tracks=sorted(tracks, key=lambda t: t.id),
                          crossings=crossings, violations=violations, cpu_s=time.process_time() - started_cpu,
                          wall_s=time.perf_counter() - started_wall)


def _pending(violation: Violation, buffer: FrameBuffer, until: int, to_full: tuple[float, float],
             stop_pictures: dict) -> PendingEvidence:
    seen = stop_pictures.get(violation.track_id) if violation.kind == "no_stopping" else None
    return PendingEvidence(violation=violation, frames=buffer.snapshot(), until=until, scale=to_full,
                           first_seen=seen[0] if seen else None, first_seen_box=seen[1] if seen else None)


def _write(item: PendingEvidence, options: PipelineOptions, fps: float, finder: PlateFinder):
    violation = item.violation
    when = ""
    if options.clock_start is not None:
        zone = timezone(timedelta(hours=options.utc_offset_h))
        when = datetime.fromtimestamp(options.clock_start + violation.t, zone).strftime(" %Y-%m-%d %H:%M:%S")
    caption = f"{CAPTIONS.get(violation.kind, violation.kind)}{when}"
    if violation.speed_kmh is not None and violation.kind == "speeding":
        caption += f" {violation.speed_kmh:.0f} km/h"
    return write_evidence(item, options.evidence_dir, fps=fps, caption=caption, finder=finder)
