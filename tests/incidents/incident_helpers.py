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


def audio_only_mp4() -> bytes:
    """A real MP4 holding a short silent AAC track and no video stream: 'a video with no frames'."""
    import av
    import numpy as np

    buf = io.BytesIO()
    out = av.open(buf, "w", format="mp4")
    stream = out.add_stream("aac", rate=8000)
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
    frame.sample_rate = 8000
    for i in range(8):
        frame.pts = i * 1024
        for packet in stream.encode(frame):
            out.mux(packet)
    for packet in stream.encode(None):
        out.mux(packet)
    out.close()
    return buf.getvalue()


def gps_jpeg(lon: float, lat: float) -> bytes:
    """A JPEG whose EXIF GPS says where it was taken, as a phone writes it (degrees, minutes, seconds)."""
    from PIL import ExifTags

    def dms(value: float):
        degrees, rest = int(value), (value - int(value)) * 60
        return (float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 4))

    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: dms(lat), 3: "E", 4: dms(lon)}
    return jpeg_bytes(size=(160, 120), exif=exif.tobytes())


def small_mp4(frames: int = 12, size=(64, 48)) -> bytes:
    """A real H.264 MP4 of half a second: a clip as a phone's chat app would hand it on."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for index in range(frames):
            pixels = np.full((size[1], size[0], 3), (index * 20) % 256, np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
            frame.pts = index
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buf.getvalue()
