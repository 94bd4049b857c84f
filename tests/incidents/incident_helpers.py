"""Values the incident tests share: real places inside and outside the province, a small JPEG."""

import io

from PIL import Image

# Real places: the Cham towers of Pô Klông Garai (Phan Rang-Tháp Chàm), Nha Trang beach (Khánh Hòa).
PHAN_RANG = (108.9497, 11.5992)
NHA_TRANG = (109.1967, 12.2388)
AT_SEA = (110.5, 12.0)


def jpeg_bytes(size=(64, 48), color=(200, 80, 40), exif=None) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, color).save(out, "JPEG", quality=90, **kwargs)
    return out.getvalue()
