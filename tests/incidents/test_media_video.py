"""Videos: real clips get a public copy, poster and thumbnail; empty, too long, metadata and audio handled."""

import importlib.resources
import io
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from incidents.media_processing import (
    CorruptMedia,
    MediaLimits,
    ProcessedVideo,
    VideoTooLong,
    VideoWithoutFrames,
    find_sensitive,
    inspect_media,
    process_media,
)

ASTRONAUT = str(importlib.resources.files("skimage") / "data" / "astronaut.png")

# file, mime, size, frames the public copy has (60 fps is brought down to 30)
REAL_VIDEOS = [
    ("bgslibrary_video02_highway_polecam_320x240.avi", "video/x-msvideo", (320, 240), 748),
    ("bgslibrary_video03_highway_overpass_60fps.avi", "video/x-msvideo", (320, 240), 850),
    ("intel_car-detection_parking_topdown.mp4", "video/mp4", (768, 432), 377),
]


def _synthetic(fmt: str = "mp4", codec: str = "libx264", *, frames: int = 10, size=(64, 48), rate: int = 10,
               picture: np.ndarray | None = None, audio: bool = False, rotation: int = 0,
               metadata: dict | None = None) -> bytes:
    out = io.BytesIO()
    with av.open(out, mode="w", format=fmt) as container:
        container.metadata.update(metadata or {})
        stream = container.add_stream(codec, rate=rate)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        sound = container.add_stream("aac", rate=8000) if audio else None
        container.start_encoding()
        for index in range(frames):
            if picture is not None:
                pixels = picture
            else:
                pixels = np.zeros((size[1], size[0], 3), np.uint8)
                pixels[:, : size[0] // 2] = (255, 255, 255)  # the left half white: shows which way is up
                pixels[: size[1] // 4, :, 2] = 255  # a red band on top
            frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
            frame.pts = index
            container.mux(stream.encode(frame))
            if sound is not None:
                tone = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.float32), format="fltp", layout="mono")
                tone.sample_rate, tone.pts = 8000, index * 800
                container.mux(sound.encode(tone))
        container.mux(stream.encode(None))
        if sound is not None:
            container.mux(sound.encode(None))
    return out.getvalue()


def _read_back(path) -> tuple[dict, list[str], list[np.ndarray], Fraction | None]:
    with av.open(str(path)) as container:
        kinds = [stream.type for stream in container.streams]
        frames = [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]
        return dict(container.metadata), kinds, frames, container.streams.video[0].average_rate


@pytest.mark.parametrize(("name", "mime", "size", "frames"), REAL_VIDEOS)
def test_real_videos_get_a_public_copy_a_poster_and_a_thumbnail(tmp_path, name, mime, size, frames):
    path = settings.SHARED_DATA_DIR / "video" / name
    info = inspect_media(path)
    assert (info.kind, info.mime, (info.width, info.height)) == ("video", mime, size)
    assert 28 <= info.duration_s <= 31
    result = process_media(path, workdir=tmp_path)
    assert isinstance(result, ProcessedVideo)
    assert result.frames_written == pytest.approx(frames, abs=1)
    assert (result.public_width, result.public_height) == size
    metadata, kinds, decoded, rate = _read_back(result.public_path)
    assert kinds == ["video"] and len(decoded) == result.frames_written
    assert decoded[0].shape[:2] == (size[1], size[0]) and float(rate) <= 30
    assert not {"location", "creation_time", "comment"} & metadata.keys()
    poster = Image.open(io.BytesIO(result.poster.data))
    thumb = Image.open(io.BytesIO(result.thumbnail.data))
    assert poster.format == thumb.format == "JPEG" and poster.size == size
    assert max(thumb.size) == 320 and thumb.size[0] / thumb.size[1] == pytest.approx(size[0] / size[1], rel=0.02)
    assert not poster.getexif()
    assert 28 <= result.duration_s <= 31


def test_place_is_read_and_metadata_audio_and_rotation_are_not_kept(tmp_path):
    data = _synthetic(audio=True, rotation=90, size=(64, 32),
                      metadata={"location": "+11.5992+108.9497/", "title": "Nhà Nguyễn Văn A"})
    with av.open(io.BytesIO(data)) as source:
        assert [s.type for s in source.streams] == ["video", "audio"]
        assert "Nguyễn" in source.metadata.get("title", "")
    info = inspect_media(data)
    assert info.location == pytest.approx((108.9497, 11.5992))
    assert (info.width, info.height) == (32, 64)  # shown upright: the phone's rotation applied
    result = process_media(data, workdir=tmp_path)
    metadata, kinds, frames, _rate = _read_back(result.public_path)
    assert kinds == ["video"]  # voices are personal data too
    assert "location" not in metadata and "title" not in metadata
    assert b"108.9497" not in result.public_path.read_bytes()
    assert frames[0].shape[:2] == (64, 32)
    with av.open(str(result.public_path)) as public:
        assert not next(public.decode(video=0)).rotation  # no display matrix left to turn it again


def _sharpness(image: np.ndarray) -> float:
    return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.CV_64F).var())


def _overlaps(a, b) -> bool:
    return a.x < b.x + b.w and b.x < a.x + a.w and a.y < b.y + b.h and b.y < a.y + a.h


def test_faces_are_blurred_in_every_frame(tmp_path):
    portrait = cv2.resize(cv2.imread(ASTRONAUT), (320, 320))
    # Her face, as the frontal cascade finds it (the profile cascade also fires on her collar).
    face = next(box for box in find_sensitive(portrait) if box.label == "face" and box.x < 150)
    region = (slice(face.y, face.y + face.h), slice(face.x, face.x + face.w))
    data = _synthetic(frames=12, size=(320, 320), picture=portrait)
    result = process_media(data, workdir=tmp_path)
    assert result.frames_with_redactions == result.frames_written == 12
    _meta, _kinds, frames, _rate = _read_back(result.public_path)
    poster = cv2.imdecode(np.frombuffer(result.poster.data, np.uint8), cv2.IMREAD_COLOR)
    for frame in [*frames, poster]:
        assert not [box for box in find_sensitive(frame) if box.label == "face" and _overlaps(box, face)]
        assert _sharpness(frame[region]) < _sharpness(portrait[region]) / 10


def test_webm_and_mov_are_accepted(tmp_path):
    for fmt, codec, mime in (("webm", "libvpx", "video/webm"), ("mov", "libx264", "video/quicktime")):
        data = _synthetic(fmt, codec)
        assert inspect_media(data).mime == mime
        result = process_media(data, workdir=tmp_path)
        assert result.frames_written == 10


@pytest.mark.parametrize(("fmt", "codec"), [("mp4", "libx264"), ("avi", "mpeg4"), ("mov", "libx264")])
def test_a_video_with_no_frames_is_refused(tmp_path, fmt, codec):
    empty = _synthetic(fmt, codec, frames=0)
    assert empty  # a real container header, with a video stream declared and nothing in it
    with pytest.raises(VideoWithoutFrames) as caught:
        inspect_media(empty)
    assert caught.value.http_status == 422 and caught.value.code == "video_without_frames"
    with pytest.raises(VideoWithoutFrames):
        process_media(empty, workdir=tmp_path)
    assert not list(tmp_path.iterdir())  # no half-written public copy left behind


def test_a_cut_off_video_header_is_refused():
    whole = (settings.SHARED_DATA_DIR / "video" / "bgslibrary_video02_highway_polecam_320x240.avi").read_bytes()
    with pytest.raises(CorruptMedia) as caught:
        inspect_media(whole[:100])
    assert caught.value.http_status == 422


def test_too_long_is_refused_from_the_header_and_from_what_decodes(tmp_path):
    data = _synthetic(frames=30, rate=10)  # 3 s
    with pytest.raises(VideoTooLong) as caught:
        inspect_media(data, limits=MediaLimits(max_video_seconds=2))
    assert caught.value.http_status == 413 and "3 s" in caught.value.user_msg
    # WebM headers give no frame count: the frames are counted as they decode.
    webm = _synthetic("webm", "libvpx", frames=30, rate=10)
    assert inspect_media(webm, limits=MediaLimits(max_video_frames=20)).frames is None
    with pytest.raises(VideoTooLong):
        process_media(webm, workdir=tmp_path, limits=MediaLimits(max_video_frames=20))
    assert not list(tmp_path.iterdir())
