"""What the portal says to a citizen on a chat app: Vietnamese first, then English, plain text."""

from django.utils import timezone, translation

from incidents.conf import conf as incident_conf

__all__ = ["welcome", "ask_description", "ask_category", "category_chosen", "place_received", "pin_drop",
           "receipt", "refused", "too_long", "only_photos", "cancelled", "media_added", "media_refused",
           "too_many_media", "status_change", "track_url"]

SEND_WORDS = ("gửi", "gui", "send", "xong", "done")
CANCEL_WORDS = ("hủy", "huỷ", "huy", "cancel")


def _both(vi: str, en: str) -> str:
    return f"{vi}\n—\n{en}"


def track_url(code: str) -> str:
    return f"{incident_conf.PORTAL_URL.rstrip('/')}/incidents/track/{code}"


def _menu(names: list[tuple[str, str]]) -> str:
    return "\n".join(f"{i}. {vi} / {en}" for i, (vi, en) in enumerate(names, start=1))


def welcome(names: list[tuple[str, str]]) -> str:
    return _both(
        "Xin chào! Đây là kênh tiếp nhận phản ánh hiện trường của tỉnh. Hãy mô tả sự việc, gửi ảnh hoặc video "
        "và chia sẻ vị trí. Chọn loại phản ánh bằng cách gửi số:\n" + _menu(names)
        + "\nGửi GỬI khi xong, HỦY để bỏ.",
        "Hello! This is the province's incident reporting channel. Describe the problem, send photos or videos "
        "and share the location. Pick the kind by sending its number (list above). Send SEND when done, "
        "CANCEL to drop it.")


def ask_description() -> str:
    return _both("Hãy mô tả sự việc bằng vài lời, rồi gửi GỬI.", "Please describe the problem in a few words, "
                 "then send SEND.")


def ask_category(names: list[tuple[str, str]]) -> str:
    return _both("Phản ánh thuộc loại nào? Gửi số:\n" + _menu(names), "Which kind of problem is it? Send its number "
                 "(list above).")


def category_chosen(vi: str, en: str) -> str:
    return _both(f"Loại phản ánh: {vi}.", f"Kind of problem: {en}.")


def place_received() -> str:
    return _both("Đã nhận vị trí. Hãy mô tả sự việc rồi gửi GỬI.", "Location received. Describe the problem, "
                 "then send SEND.")


def pin_drop(url: str) -> str:
    hours = incident_conf.PIN_DROP_HOURS
    return _both(f"Bạn chưa gửi vị trí. Mở liên kết và chạm vào bản đồ nơi xảy ra sự việc (dùng một lần, trong "
                 f"{hours} giờ):\n{url}\nHoặc chia sẻ vị trí ngay trong cuộc trò chuyện này.",
                 f"No location yet. Open the link and tap the map where it is (once, within {hours} hours), or "
                 "share your location in this chat.")


def receipt(code: str, deadline) -> str:
    when = f"{timezone.localtime(deadline):%d/%m/%Y %H:%M}" if deadline else "—"
    return _both(f"Phản ánh của bạn đã được tiếp nhận với mã {code}. Hạn xử lý: {when}.\nTheo dõi: {track_url(code)}",
                 f"Your report was received as {code}. Deadline: {when}. Follow it at the link above.")


def refused(reason: str) -> str:
    return _both(f"Chưa thể tiếp nhận phản ánh: {reason}", f"The report could not be filed yet: {reason}")


def too_long(limit: int) -> str:
    return _both(f"Mô tả dài quá {limit} ký tự; phần sau đã bị bỏ.", f"The description is over {limit} characters; "
                 "the rest was dropped.")


def only_photos() -> str:
    return _both("Chỉ nhận văn bản, ảnh, video và vị trí.", "Only text, photos, videos and locations can be used.")


def cancelled() -> str:
    return _both("Đã hủy phản ánh đang soạn.", "The report you were writing was dropped.")


def media_added(code: str) -> str:
    return _both(f"Đã thêm ảnh/video vào phản ánh {code}.", f"The photo or video was added to report {code}.")


def media_refused(reason: str) -> str:
    return _both(f"Không dùng được một ảnh/video: {reason}", f"A photo or video could not be used: {reason}")


def too_many_media(limit: int) -> str:
    return _both(f"Mỗi phản ánh nhận tối đa {limit} ảnh hoặc video.", f"At most {limit} photos or videos per report.")


def _label(statuses, value: str, language: str) -> str:
    with translation.override(language):
        return str(dict(statuses.choices).get(value, value))


def status_change(*, code: str, kind: str, to_status: str, note: str, statuses) -> str:
    vi, en = _label(statuses, to_status, "vi"), _label(statuses, to_status, "en")
    note = f"\n{note}" if note else ""
    if kind == "resolved":
        return _both(f"Phản ánh {code} đã được xử lý.{note}\nĐánh giá hoặc mở lại: {track_url(code)}",
                     f"Report {code} was resolved. Rate it or reopen it at the link above.")
    return _both(f"Phản ánh {code}: {vi}.{note}\n{track_url(code)}", f"Report {code}: {en}.")
