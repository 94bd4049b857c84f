"""What a file is, read from its first bytes (never from its name or the client's Content-Type)."""

from dataclasses import dataclass
from typing import Literal

from .media_errors import ExecutableRefused, UnsupportedMediaType

__all__ = ["SNIFF_BYTES", "Sniffed", "sniff"]

# Enough for every signature below, including WebM's DocType a few elements into the EBML header.
SNIFF_BYTES = 64

MediaKind = Literal["photo", "video"]


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: MediaKind
    mime: str
    ext: str


JPEG = Sniffed("photo", "image/jpeg", "jpg")
PNG = Sniffed("photo", "image/png", "png")
WEBP = Sniffed("photo", "image/webp", "webp")
HEIC = Sniffed("photo", "image/heic", "heic")
MP4 = Sniffed("video", "video/mp4", "mp4")
MOV = Sniffed("video", "video/quicktime", "mov")
WEBM = Sniffed("video", "video/webm", "webm")
AVI = Sniffed("video", "video/x-msvideo", "avi")

_EXECUTABLE_MAGIC = (
    b"MZ",  # DOS/Windows PE (.exe, .dll, .scr)
    b"\x7fELF",
    b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe",  # Mach-O
    b"\xca\xfe\xba\xbe",  # Mach-O universal binary, Java class
    b"#!",  # scripts
)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"}
_MP4_BRANDS = {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
               b"M4VP", b"3gp4", b"3gp5", b"3gp6", b"3g2a", b"mmp4", b"dash", b"MSNV", b"XAVC", b"f4v "}
# Old QuickTime files start with an atom instead of `ftyp`.
_MOV_FIRST_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def _iso_brands(head: bytes) -> tuple[bytes, set[bytes]]:
    size = int.from_bytes(head[0:4], "big")
    end = min(len(head), size if size >= 16 else 16)
    compatible = {head[i:i + 4] for i in range(16, end - 3, 4)}
    return head[8:12], compatible


def _from_ftyp(head: bytes) -> Sniffed | None:
    major, compatible = _iso_brands(head)
    brands = {major, *compatible}
    if major in _HEIF_BRANDS or (major in (b"mif1", b"msf1") and brands & _HEIF_BRANDS):
        return HEIC
    if major == b"qt  ":
        return MOV
    if major in _MP4_BRANDS or (brands & _MP4_BRANDS and not brands & {b"M4A ", b"M4B ", b"avif", b"avis"}):
        return MP4
    return None


def _ebml_doctype(head: bytes) -> bytes | None:
    # The DocType element (ID 0x4282) holds "webm" or "matroska" within the first few dozen bytes.
    at = head.find(b"\x42\x82")
    if at < 0 or at + 3 > len(head):
        return None
    length = head[at + 2] & 0x7F  # one-byte EBML size, as every muxer writes it for this element
    return head[at + 3:at + 3 + length]


def sniff(head: bytes) -> Sniffed:
    """The kind of media `head` (the file's first SNIFF_BYTES bytes) starts, or UnsupportedMediaType."""
    if head.startswith(_EXECUTABLE_MAGIC):
        raise ExecutableRefused()
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return AVI
    if head[4:8] == b"ftyp" and (found := _from_ftyp(head)):
        return found
    if head[4:8] in _MOV_FIRST_ATOMS:
        return MOV
    if head.startswith(b"\x1a\x45\xdf\xa3") and _ebml_doctype(head) == b"webm":
        return WEBM
    raise UnsupportedMediaType()
