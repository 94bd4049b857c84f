"""Photos: type from content, limits before decoding, whole-file checks, EXIF GPS, metadata-free public copies."""

import io

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageCms

from incidents.media_processing import (
    CorruptMedia,
    ExecutableRefused,
    MediaLimits,
    MediaTooLarge,
    TooManyPixels,
    TruncatedImage,
    UnsupportedMediaType,
    exif_location,
    inspect_media,
    process_media,
)

# Pô Klông Garai towers, Phan Rang-Tháp Chàm: 11.5992 N, 108.9497 E
LON, LAT = 108.9497, 11.5992


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)


def _exif(lon: float | None = LON, lat: float | None = LAT, orientation: int | None = None,
          gps_extra: dict | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Samsung"  # Make
    exif[0x0110] = "SM-A546E"  # Model: the kind of thing a public copy must not carry
    exif[0x0131] = "Gallery 1.0"
    if lat is not None and lon is not None:
        exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: _dms(abs(lat)), 3: "E" if lon >= 0 else "W",
                        4: _dms(abs(lon)), **(gps_extra or {})}
    if orientation:
        exif[0x0112] = orientation
    return exif


def _noise(width: int, height: int, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray((rng.random((height, width, 3)) * 255).astype(np.uint8), "RGB")


def _jpeg(image: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def _segments(data: bytes) -> list[tuple[int, bytes]]:
    """The JPEG's marker segments up to the scan, read independently of Pillow: (marker, first bytes)."""
    assert data[:2] == b"\xff\xd8"
    at, found = 2, []
    while at < len(data):
        assert data[at] == 0xFF, f"no marker at {at}"
        marker = data[at + 1]
        length = int.from_bytes(data[at + 2:at + 4], "big")
        found.append((marker, data[at + 4:at + 4 + 12]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        at += 2 + length
    return found


def _assert_bare_jpeg(data: bytes) -> None:
    markers = {marker for marker, _head in _segments(data)}
    # APP1 (EXIF, XMP), APP2 (ICC, MPF), APP13 (IPTC), APP14, COM: none may be present; APP0 is JFIF only.
    assert not markers & {0xE1, 0xE2, 0xE3, 0xED, 0xEE, 0xFE}, [hex(m) for m in markers]
    assert all(head.startswith(b"JFIF") for marker, head in _segments(data) if marker == 0xE0)
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and "icc_profile" not in image.info and "exif" not in image.info
    for needle in (b"Samsung", b"SM-A546E", b"Exif", b"http://ns.adobe.com/xap"):
        assert needle not in data


def test_exif_gps_is_read_as_lon_lat():
    data = _jpeg(_noise(64, 48), exif=_exif())
    info = inspect_media(data)
    assert (info.kind, info.mime, info.ext, info.width, info.height) == ("photo", "image/jpeg", "jpg", 64, 48)
    assert info.location.lon == pytest.approx(LON, abs=1e-6) and info.location.lat == pytest.approx(LAT, abs=1e-6)
    assert exif_location(data) == info.location


@pytest.mark.parametrize(("exif", "expected"), [
    (_exif(lon=-70.6693, lat=-33.4489), (-70.6693, -33.4489)),  # south and west are negative
    (_exif(lon=0.0, lat=0.0), None),  # cameras write zeros when they had no fix
    (_exif(gps_extra={9: "V"}), None),  # GPSStatus "V": void measurement
    (_exif(lon=None, lat=None), None),
])
def test_exif_gps_edge_cases(exif, expected):
    location = exif_location(_jpeg(_noise(32, 32), exif=exif))
    if expected is None:
        assert location is None
    else:
        assert location == pytest.approx(expected, abs=1e-6)


def test_public_copy_has_no_metadata_and_a_thumbnail_of_the_right_size(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = _jpeg(_noise(1200, 900), exif=_exif(), icc_profile=srgb, comment=b"taken by Nguyen Van A")
    assert b"Nguyen Van A" in data and b"SM-A546E" in data
    result = process_media(data, workdir=tmp_path)
    assert result.info.location is not None
    _assert_bare_jpeg(result.public.data)
    _assert_bare_jpeg(result.thumbnail.data)
    assert b"Nguyen Van A" not in result.public.data
    public = Image.open(io.BytesIO(result.public.data))
    thumb = Image.open(io.BytesIO(result.thumbnail.data))
    assert public.size == (1200, 900) and (result.public.width, result.public.height) == (1200, 900)
    assert thumb.size == (320, 240) == (result.thumbnail.width, result.thumbnail.height)
    assert public.format == thumb.format == "JPEG"


def test_large_photos_are_scaled_down_and_turned_upright(tmp_path):
    # Orientation 6: the sensor's landscape pixels are shown rotated 90 degrees clockwise (a portrait photo).
    data = _jpeg(_noise(3000, 2000), exif=_exif(orientation=6))
    result = process_media(data, workdir=tmp_path)
    assert (result.info.width, result.info.height) == (2000, 3000)
    assert Image.open(io.BytesIO(result.public.data)).size == (1365, 2048)
    assert Image.open(io.BytesIO(result.thumbnail.data)).size == (213, 320)
    _assert_bare_jpeg(result.public.data)


def test_png_with_transparency_and_text_chunks_becomes_a_bare_jpeg(tmp_path):
    from PIL import PngImagePlugin

    image = Image.new("RGBA", (100, 80), (255, 0, 0, 0))
    image.paste((0, 0, 255, 255), (0, 0, 50, 80))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Trần Thị B")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=text)
    result = process_media(out.getvalue(), workdir=tmp_path)
    assert result.info.mime == "image/png"
    _assert_bare_jpeg(result.public.data)
    public = np.asarray(Image.open(io.BytesIO(result.public.data)))
    assert public[40, 90].min() > 240  # transparent part flattened on white
    assert public[40, 10, 2] > 200 and public[40, 10, 0] < 40  # opaque blue kept


def test_webp_and_heic_are_accepted_by_content(tmp_path):
    webp = io.BytesIO()
    _noise(90, 60).save(webp, "WEBP", exif=_exif().tobytes())
    heic = pillow_heif.from_pillow(_noise(90, 60))
    heic_out = io.BytesIO()
    heic.save(heic_out, exif=_exif().tobytes())
    for data, mime in ((webp.getvalue(), "image/webp"), (heic_out.getvalue(), "image/heic")):
        info = inspect_media(data)
        assert info.mime == mime and (info.width, info.height) == (90, 60)
        assert info.location == pytest.approx((LON, LAT), abs=1e-6)
        result = process_media(data, workdir=tmp_path)
        _assert_bare_jpeg(result.public.data)


PE_HEADER = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00"


@pytest.mark.parametrize(("data", "error"), [
    (PE_HEADER + b"\x00" * 4000, ExecutableRefused),  # an .exe renamed .jpg
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 200, ExecutableRefused),
    (b"#!/bin/sh\nrm -rf /\n", ExecutableRefused),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", UnsupportedMediaType),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", UnsupportedMediaType),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", UnsupportedMediaType),
    (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 100, UnsupportedMediaType),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 40, UnsupportedMediaType),  # audio
])
def test_files_that_are_not_photos_or_videos_are_refused_with_415(data, error, tmp_path):
    path = tmp_path / "holiday.jpg"  # the name says photo; only the content counts
    path.write_bytes(data)
    with pytest.raises(error) as caught:
        inspect_media(path)
    assert caught.value.http_status == 415 and caught.value.field == "media"
    assert caught.value.as_dict()["errors"][0]["field"] == "media"


def test_a_truncated_jpeg_is_refused():
    whole = _jpeg(_noise(640, 480))
    with pytest.raises(TruncatedImage) as caught:
        inspect_media(whole[: len(whole) // 2])
    assert caught.value.http_status == 422 and "incomplete" in caught.value.user_msg
    assert inspect_media(whole).width == 640


def _encoded(fmt: str) -> bytes:
    if fmt == "HEIF":
        out = io.BytesIO()
        pillow_heif.from_pillow(_noise(160, 120)).save(out)
        return out.getvalue()
    out = io.BytesIO()
    _noise(160, 120).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
@pytest.mark.parametrize("lenient", [False, True])
def test_cut_off_photos_are_refused_even_where_pillow_is_told_to_accept_them(monkeypatch, fmt, lenient):
    # WeasyPrint sets this process-wide flag when imported; the check must not depend on it.
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    whole = _encoded(fmt)
    assert inspect_media(whole).width == 160
    for cut in (len(whole) // 2, len(whole) - 3):
        with pytest.raises(TruncatedImage):
            inspect_media(whole[:cut])


@pytest.mark.parametrize("lenient", [False, True])
def test_a_jpeg_with_damaged_data_is_refused(monkeypatch, lenient):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    whole = bytearray(_jpeg(_noise(64, 64)))
    whole[200:260] = b"\xff\xd9" * 30  # end-of-image markers inside the Huffman tables
    with pytest.raises(CorruptMedia) as caught:
        inspect_media(bytes(whole))
    assert caught.value.http_status == 422


def test_a_50_mb_photo_is_refused_before_it_is_decoded(tmp_path):
    # A real JPEG with 50 MB of data after its end marker (as some cameras append): the size alone refuses it.
    path = tmp_path / "big.jpg"
    with path.open("wb") as out:
        out.write(_jpeg(_noise(64, 48)))
        out.write(b"\x00" * (50 * 2**20))
    with pytest.raises(MediaTooLarge) as caught:
        inspect_media(path)
    assert caught.value.http_status == 413
    assert "50.0 MB" in caught.value.user_msg and "15.0 MB" in caught.value.user_msg


@pytest.mark.parametrize("size", [(20000, 20000), (9000, 9000)])
def test_decompression_bombs_are_refused_before_decoding(size):
    out = io.BytesIO()
    Image.new("L", size).save(out, "PNG")
    data = out.getvalue()
    assert len(data) < 500_000  # a tiny file...
    with pytest.raises(TooManyPixels) as caught:
        inspect_media(data)  # ...that would decode to 400 MB or 81 MB of pixels
    assert caught.value.http_status == 413


def test_limits_are_arguments():
    data = _jpeg(_noise(200, 100))
    with pytest.raises(TooManyPixels, match="200 x 100"):
        inspect_media(data, limits=MediaLimits(max_pixels=10_000))
    with pytest.raises(MediaTooLarge):
        inspect_media(data, limits=MediaLimits(max_photo_bytes=100))


def test_empty_and_garbage_files_are_refused():
    with pytest.raises(CorruptMedia, match="empty"):
        inspect_media(b"")
    with pytest.raises(CorruptMedia):
        inspect_media(b"\xff\xd8\xff\xe0" + b"garbage" * 100)
