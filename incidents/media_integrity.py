"""Whether a photo's bytes are all there, read from the file's own structure.

Pillow's decoders only report a cut-off file while the process-wide `ImageFile.LOAD_TRUNCATED_IMAGES`
is False, and WeasyPrint sets it to True when imported (so does other code): in a worker or web
process that imported it, Pillow pads a half-uploaded JPEG with grey and says nothing. These checks
do not depend on that flag.
"""

from .media_errors import TruncatedImage

__all__ = ["check_complete"]


def _jpeg_complete(data: bytes) -> bool:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:
            return True
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if marker == 0xDA:
            # Entropy-coded data escapes every 0xFF it holds (FF 00, or a restart marker), so the first
            # FF D9 after the first scan ends the image; progressive files hold more scans before it.
            return data.find(b"\xff\xd9", at + 2 + length) >= 0
        at += 2 + length
    return False


def _png_complete(data: bytes) -> bool:
    at = 8
    while at + 12 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        at += 12 + length
        if at > len(data):
            return False
        if kind == b"IEND":
            return True
    return False


def _riff_complete(data: bytes) -> bool:
    return len(data) >= 12 and 8 + int.from_bytes(data[4:8], "little") <= len(data)


def _iso_boxes_complete(data: bytes) -> bool:
    at = 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        header = 8
        if size == 1:
            if at + 16 > len(data):
                return False
            size, header = int.from_bytes(data[at + 8:at + 16], "big"), 16
        elif size == 0:  # the last box runs to the end of the file
            return True
        if size < header or at + size > len(data):
            return False
        at += size
    return at == len(data)


_CHECKS = {"image/jpeg": _jpeg_complete, "image/png": _png_complete, "image/webp": _riff_complete,
           "image/heic": _iso_boxes_complete}


def check_complete(data: bytes, mime: str) -> None:
    """TruncatedImage unless the photo's structure runs to its end marker (JPEG EOI, PNG IEND, box sizes)."""
    if not _CHECKS[mime](data):
        raise TruncatedImage()
