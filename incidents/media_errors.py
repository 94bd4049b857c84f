"""Errors of media intake and processing: what a citizen's photo or video may be refused for.

Pure Python (no Django): the media core raises these, the API maps them to a status through PortalError.
"""

from portal.errors import PortalError

__all__ = ["MediaError", "MediaTooLarge", "TooManyPixels", "VideoTooLong", "UnsupportedMediaType",
           "ExecutableRefused", "CorruptMedia", "TruncatedImage", "VideoWithoutFrames"]


class MediaError(PortalError):
    code = "media_error"
    http_status = 422
    user_msg = "The file could not be accepted as a photo or video."

    def __init__(self, user_msg: str | None = None, *, code: str | None = None, field: str | None = "media"):
        super().__init__(user_msg, code=code, field=field)


class MediaTooLarge(MediaError):
    code = "media_too_large"
    http_status = 413
    user_msg = "The file is larger than allowed."


class TooManyPixels(MediaError):
    # A small file can declare a huge canvas (a decompression bomb): refused before any pixel is decoded.
    code = "too_many_pixels"
    http_status = 413
    user_msg = "The picture has more pixels than allowed."


class VideoTooLong(MediaError):
    code = "video_too_long"
    http_status = 413
    user_msg = "The video is longer than allowed."


class UnsupportedMediaType(MediaError):
    code = "unsupported_media_type"
    http_status = 415
    user_msg = "Only photos (JPEG, PNG, WebP, HEIC) and videos (MP4, MOV, WebM, AVI) are accepted."


class ExecutableRefused(UnsupportedMediaType):
    code = "executable_refused"
    user_msg = "The file is a program, not a photo or video, whatever its name says."


class CorruptMedia(MediaError):
    code = "corrupt_media"
    user_msg = "The file is damaged and cannot be read."


class TruncatedImage(CorruptMedia):
    code = "truncated_image"
    user_msg = "The picture is incomplete (the upload was cut off). Send it again."


class VideoWithoutFrames(CorruptMedia):
    code = "video_without_frames"
    user_msg = "The video contains no picture."
