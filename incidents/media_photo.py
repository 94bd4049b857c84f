"""Photos: opened with the one decoder their content names, checked whole, re-encoded without metadata."""

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from .media_errors import CorruptMedia, TooManyPixels, TruncatedImage
from .media_integrity import check_complete
from .media_redact import Box, blur_regions, find_sensitive
from .media_sniff import Sniffed
from .media_types import EncodedImage, LonLat, MediaInfo, MediaLimits, ProcessedPhoto

__all__ = ["open_photo", "inspect_photo", "exif_location", "process_photo", "encode_jpeg", "thumbnail_of"]

# Pillow picks a decoder by probing every plugin; only the one the sniffed type names may run.
_DECODERS = {"image/jpeg": ["JPEG"], "image/png": ["PNG"], "image/webp": ["WEBP"], "image/heic": ["HEIF"]}
_GPS = ExifTags.GPS
_FLAG_LOCK = threading.Lock()


def _register_heif() -> None:
    from pillow_heif import register_heif_opener

    register_heif_opener()


def open_photo(data: bytes, sniffed: Sniffed, *, limits: MediaLimits) -> Image.Image:
    """The decoded picture, after its canvas size was checked and every pixel read."""
    check_complete(data, sniffed.mime)
    if sniffed.mime == "image/heic":
        _register_heif()
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice it; a warning here is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=_DECODERS[sniffed.mime])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooManyPixels(_pixels_message(limits)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise CorruptMedia() from exc
    width, height = image.size
    if width * height > limits.max_pixels or width <= 0 or height <= 0:
        raise TooManyPixels(_pixels_message(limits, width, height))
    try:
        with _strict_decoding():
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow says "image file is truncated" when the data stops before the last row.
        if isinstance(exc, EOFError) or "truncated" in str(exc):
            raise TruncatedImage() from exc
        raise CorruptMedia() from exc
    return image


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decoder errors raised while we load, whatever other code set Pillow's process-wide flag to.

    WeasyPrint sets `ImageFile.LOAD_TRUNCATED_IMAGES` when imported, and Pillow then turns broken
    data into grey pixels silently. Another thread loading meanwhile is strict for that moment too.
    """
    with _FLAG_LOCK:
        previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _pixels_message(limits: MediaLimits, width: int | None = None, height: int | None = None) -> str:
    most = f"at most {limits.max_pixels / 1e6:g} megapixels are allowed"
    return f"The picture is {width} x {height} pixels; {most}." if width else f"The picture is too large: {most}."


def _decimal_degrees(value) -> float | None:
    try:
        parts = [float(part) for part in value] if isinstance(value, tuple | list) else [float(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees, minutes, seconds = (parts + [0.0, 0.0])[:3]
    return degrees + minutes / 60 + seconds / 3600


def _ref(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ").upper()


def exif_location(source: bytes | Image.Image) -> LonLat | None:
    """Where the photo's EXIF GPS says it was taken, as (lon, lat), or None when it says nothing usable.

    A suggestion for the reporter only: cameras write (0, 0) or a void fix when they had none.
    """
    if isinstance(source, Image.Image):
        image = source
    else:
        _register_heif()
        try:
            image = Image.open(io.BytesIO(source))
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            return None
    try:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        return None
    if not gps or _ref(gps.get(_GPS.GPSStatus)) == "V":
        return None
    lat, lon = _decimal_degrees(gps.get(_GPS.GPSLatitude)), _decimal_degrees(gps.get(_GPS.GPSLongitude))
    if lat is None or lon is None:
        return None
    if _ref(gps.get(_GPS.GPSLatitudeRef)) == "S":
        lat = -lat
    if _ref(gps.get(_GPS.GPSLongitudeRef)) == "W":
        lon = -lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return LonLat(round(lon, 7), round(lat, 7))


def inspect_photo(data: bytes, sniffed: Sniffed, *, limits: MediaLimits) -> tuple[MediaInfo, Image.Image]:
    image = open_photo(data, sniffed, limits=limits)
    upright = ImageOps.exif_transpose(image)
    info = MediaInfo(kind="photo", mime=sniffed.mime, ext=sniffed.ext, size_bytes=len(data),
                     width=upright.width, height=upright.height, location=exif_location(image))
    return info, upright


def _to_srgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, transparency flattened on white: the only form public copies take."""
    icc = image.info.get("icc_profile")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        wide = np.asarray(image, dtype=np.float64)
        image = Image.fromarray((wide * (255.0 / max(wide.max(), 1.0))).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            # An unreadable profile: keep the pixels as they are rather than refuse the photo.
            return image.convert("RGB")
    return image.convert("RGB")


def _fit(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode_jpeg(rgb: Image.Image, *, quality: int = 85) -> EncodedImage:
    # A new image from bare pixels carries no info dict, so nothing (EXIF, XMP, ICC, comments) is copied.
    bare = Image.frombytes("RGB", rgb.size, rgb.convert("RGB").tobytes())
    out = io.BytesIO()
    bare.save(out, "JPEG", quality=quality, optimize=True)
    return EncodedImage(out.getvalue(), "image/jpeg", bare.width, bare.height)


def thumbnail_of(rgb: Image.Image, *, side: int) -> EncodedImage:
    small = rgb.resize(_fit(rgb.width, rgb.height, side), Image.Resampling.LANCZOS)
    return encode_jpeg(small, quality=80)


def redact(rgb: Image.Image) -> tuple[Image.Image, tuple[Box, ...]]:
    bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
    boxes = find_sensitive(bgr)
    if not boxes:
        return rgb, ()
    return Image.fromarray(np.ascontiguousarray(blur_regions(bgr, boxes)[:, :, ::-1]), "RGB"), boxes


def process_photo(data: bytes, sniffed: Sniffed, *, limits: MediaLimits) -> ProcessedPhoto:
    """The public copy (upright, sRGB, at most `public_max_side`, faces and plates blurred) and its thumbnail."""
    info, upright = inspect_photo(data, sniffed, limits=limits)
    rgb = _to_srgb(upright)
    if max(rgb.size) > limits.public_max_side:
        rgb = rgb.resize(_fit(rgb.width, rgb.height, limits.public_max_side), Image.Resampling.LANCZOS)
    rgb, boxes = redact(rgb)
    return ProcessedPhoto(info=info, public=encode_jpeg(rgb), thumbnail=thumbnail_of(rgb, side=limits.thumb_side),
                          redactions=boxes)
