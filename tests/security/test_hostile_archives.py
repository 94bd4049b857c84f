"""Decompression bombs: a zip or gzip upload that would unpack to a gigabyte of zeros is refused at upload, before
GDAL unpacks anything, with a clear 413/422, no job, no file kept and the layer untouched; camera frames that
declare a huge canvas are refused before a pixel is decoded."""

import gzip
import io
import zipfile
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hostile_helpers import count_cases

from layers.errors import ArchiveTooLarge, SuspiciousArchive
from layers.importing.source import ArchiveLimits, check_gzip, check_zip
from layers.models import ImportJob, LandParcel

pytestmark = pytest.mark.django_db

GIB = 2**30
_MIB_OF_ZEROS = bytes(2**20)


def _zip_bomb(path: Path, unpacked: int = GIB) -> Path:
    """`unpacked` bytes of zeros in one member, written through zipfile's streaming writer (about 1 MB on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive, \
            archive.open("thua_dat.csv", "w", force_zip64=True) as member:
        for _ in range(unpacked // len(_MIB_OF_ZEROS)):
            member.write(_MIB_OF_ZEROS)
    return path


def _gzip_bomb(path: Path, unpacked: int = GIB) -> Path:
    with gzip.open(path, "wb", compresslevel=9) as out:
        for _ in range(unpacked // len(_MIB_OF_ZEROS)):
            out.write(_MIB_OF_ZEROS)
    return path


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {"zip": _zip_bomb(folder / "thua_dat.zip"), "gz": _gzip_bomb(folder / "thua_dat.geojson.gz")}


@pytest.fixture
def uploads(settings, tmp_path) -> Path:
    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_DIR


def test_the_bombs_are_real(bombs):
    assert bombs["zip"].stat().st_size < 2 * 2**20 and bombs["gz"].stat().st_size < 2 * 2**20
    with zipfile.ZipFile(bombs["zip"]) as archive:
        assert archive.infolist()[0].file_size == GIB
    # The gzip stream really inflates to a gigabyte: its trailer says so (size modulo 4 GiB).
    assert int.from_bytes(bombs["gz"].read_bytes()[-4:], "little") == GIB


def test_the_ratio_refuses_a_bomb_within_the_size_limit(bombs):
    with pytest.raises(SuspiciousArchive) as refused:
        check_zip(bombs["zip"], ArchiveLimits(max_bytes=8 * GIB, max_ratio=500))
    assert refused.value.http_status == 422
    with pytest.raises(ArchiveTooLarge) as refused:
        check_zip(bombs["zip"], ArchiveLimits(max_bytes=GIB // 2, max_ratio=10_000))
    assert refused.value.http_status == 413
    check_zip(bombs["zip"], ArchiveLimits(max_bytes=2 * GIB, max_ratio=10_000))  # within both: accepted


def test_overlapping_members_count_once_each(tmp_path):
    """Many members of a modest size add up: the total is what is limited, not each member."""
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(40):
            archive.writestr(f"part{i}.csv", bytes(8 * 2**20))
    with pytest.raises(ArchiveTooLarge):
        check_zip(path, ArchiveLimits(max_bytes=256 * 2**20, max_ratio=10_000))


def _forged(path: Path, unpacked: int, declared: int) -> Path:
    """A zip whose member inflates to `unpacked` bytes while both its headers declare `declared`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("thua_dat.csv", bytes(unpacked))
    data = bytearray(path.read_bytes())
    real = unpacked.to_bytes(4, "little")
    # The uncompressed size sits at offset 22 of the local header and 24 of the central directory entry.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + offset
        assert data[at:at + 4] == real
        data[at:at + 4] = declared.to_bytes(4, "little")
    path.write_bytes(data)
    return path


def test_a_zip_that_declares_less_than_it_holds_is_refused(tmp_path):
    """The declared sizes pass every limit; the member is inflated and found to hold more: refused."""
    from layers.errors import UnreadableFile

    path = _forged(tmp_path / "forged.zip", unpacked=300 * 2**20, declared=1024)
    with zipfile.ZipFile(path) as archive:
        assert archive.infolist()[0].file_size == 1024  # what a check of the headers alone would trust
    with pytest.raises((UnreadableFile, SuspiciousArchive)):
        check_zip(path, ArchiveLimits())
    honest = _forged(tmp_path / "honest.zip", unpacked=2**20, declared=2**20)
    check_zip(honest, ArchiveLimits())


def test_a_corrupt_gzip_is_unreadable_not_a_crash(tmp_path):
    from layers.errors import UnreadableFile

    path = tmp_path / "broken.geojson.gz"
    path.write_bytes(gzip.compress(b'{"type": "FeatureCollection"}')[:-9] + b"garbage!!")
    with pytest.raises(UnreadableFile):
        check_gzip(path, ArchiveLimits())


@pytest.mark.parametrize(("kind", "name", "limits", "status", "code"), [
    ("zip", None, {}, 422, "suspicious_archive"),
    ("gz", None, {}, 422, "suspicious_archive"),
    ("zip", None, {"IMPORT_ARCHIVE_MAX_BYTES": 512 * 2**20}, 413, "archive_too_large"),
    ("gz", None, {"IMPORT_ARCHIVE_MAX_BYTES": 256 * 2**20, "IMPORT_ARCHIVE_MAX_RATIO": 10_000}, 413,
     "archive_too_large"),
    # Names GDAL opens as archives all the same: known by their bytes, not their names.
    ("zip", "THUA_DAT.SHP.ZIP", {}, 422, "suspicious_archive"),
    ("zip", "thua_dat.shz", {}, 422, "suspicious_archive"),
    ("gz", "thua_dat.geojson", {}, 422, "suspicious_archive"),
])
def test_a_bomb_upload_is_refused_and_leaves_nothing(world, bombs, uploads, settings, kind, name, limits, status,
                                                     code):
    for name, value in limits.items():
        setattr(settings, name, value)
    rows = LandParcel.objects.filter(layer=world.parcels).count()
    response = Client().post("/api/imports/", {
        "layer": world.parcels.slug, "file": SimpleUploadedFile(name or bombs[kind].name, bombs[kind].read_bytes())},
        HTTP_AUTHORIZATION=f"Bearer {world.token}")
    count_cases("archive bomb")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["message"]
    assert not ImportJob.objects.exists()
    assert LandParcel.objects.filter(layer=world.parcels).count() == rows
    assert not any(uploads.rglob("*.*")), "the refused upload was kept"


def test_a_password_protected_zip_is_a_clear_refusal(world, uploads):
    """zipfile cannot inflate an encrypted member without its password (it raises RuntimeError, a 500 before)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("thua.geojson", b'{"type":"FeatureCollection","features":[]}')
    data = bytearray(packed.getvalue())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # the encrypted flag, both headers
        data[data.index(signature) + offset] |= 1
    response = Client().post("/api/imports/", {
        "layer": world.parcels.slug, "file": SimpleUploadedFile("thua.zip", bytes(data))},
        HTTP_AUTHORIZATION=f"Bearer {world.token}")
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert body["code"] == "unreadable_file" and "password" in body["message"]
    assert not ImportJob.objects.exists()
    assert not any(uploads.rglob("*.*")), "the refused upload was kept"


def test_an_honest_zipped_upload_still_goes_through(world, uploads, django_capture_on_commit_callbacks):
    geojson = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ext_id":"Z1",'
               b'"sheet_no":"1","parcel_no":"2"},"geometry":{"type":"Polygon","coordinates":[[[108.99,11.56],'
               b'[108.991,11.56],[108.991,11.561],[108.99,11.56]]]}}]}')
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("thua.geojson", geojson)
    with django_capture_on_commit_callbacks(execute=False):
        response = Client().post("/api/imports/", {
            "layer": world.parcels.slug, "file": SimpleUploadedFile("thua.zip", packed.getvalue())},
            HTTP_AUTHORIZATION=f"Bearer {world.token}")
    assert response.status_code == 202, response.content
    assert ImportJob.objects.count() == 1


# --- camera frames ----------------------------------------------------------------------------------------------


def _png_bomb(width: int, height: int) -> bytes:
    """A real, complete PNG of width x height black pixels (1 bit each), its rows deflated as they are made:
    a few hundred kilobytes that would decode to width*height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])  # 1-bit grey
    deflate, row = zlib.compressobj(9), bytes(1 + (width + 7) // 8)  # filter byte, then the packed row
    data = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.mark.parametrize("side", [5_000, 20_000, 30_000])
def test_a_camera_frame_bomb_is_refused_before_decoding(world, side):
    """Past the frame cap (4096²), and past Pillow's own bomb limit too (2 x 89 Mpx: 20 000² and 30 000²)."""
    bomb = _png_bomb(side, side)
    assert len(bomb) < 8 * 2**20
    response = Client().post(f"/api/cameras/{world.camera_ids[0]}/view",
                             {"file": SimpleUploadedFile("frame.png", bomb, content_type="image/png")},
                             HTTP_AUTHORIZATION=f"Bearer {world.token}")
    count_cases("image bomb")
    assert response.status_code in (413, 422), response.content
    assert response.json()["code"] == "too_large"
