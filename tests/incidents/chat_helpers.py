"""Signed webhook deliveries as Zalo and Messenger make them (signed here with the test's own secrets, by the
platforms' documented schemes, independently of the portal's code), and a local stand-in for their send APIs."""

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ZALO_APP_ID = "1234567890123456789"
ZALO_SECRET = "test-oa-secret-key"
MESSENGER_SECRET = "test-app-secret"
MESSENGER_VERIFY = "test-verify-token"
PAGE_ID = "170255990084299"
_ids = itertools.count(1)


def now_ms(offset_s: float = 0) -> int:
    return int((time.time() + offset_s) * 1000)


# --- Messenger -----------------------------------------------------------------------------------------------


def messenger_event(sender: str, *, text: str | None = None, attachments: list | None = None,
                    mid: str | None = None, timestamp: int | None = None) -> dict:
    message = {"mid": mid or f"m_test{next(_ids)}"}
    if text is not None:
        message["text"] = text
    if attachments is not None:
        message["attachments"] = attachments
    return {"sender": {"id": sender}, "recipient": {"id": PAGE_ID}, "timestamp": timestamp or now_ms(),
            "message": message}


def messenger_payload(*events: dict) -> dict:
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": now_ms(), "messaging": list(events)}]}


def image(url: str = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1") -> dict:
    return {"type": "image", "payload": {"url": url}}


def video(url: str = "https://video.xx.fbcdn.net/v/clip.mp4") -> dict:
    return {"type": "video", "payload": {"url": url}}


def location(lon: float, lat: float) -> dict:
    return {"type": "location", "title": "Vị trí của tôi", "payload": {"coordinates": {"lat": lat, "long": lon}}}


def sign_messenger(body: bytes, secret: str = MESSENGER_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_post(client, payload, *, secret: str = MESSENGER_SECRET, signature: str | None = None, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    signed = sign_messenger(body, secret)
    return client.post("/api/chat/messenger/webhook", data=body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=signature if signature is not None else signed)


# --- Zalo ----------------------------------------------------------------------------------------------------


def zalo_payload(sender: str, event_name: str, *, text: str | None = None, attachments: list | None = None,
                 msg_id: str | None = None, timestamp: int | None = None, app_id: str = ZALO_APP_ID) -> dict:
    message = {"msg_id": msg_id or f"zmsg{next(_ids)}"}
    if text is not None:
        message["text"] = text
    if attachments is not None:
        message["attachments"] = attachments
    return {"app_id": app_id, "user_id_by_app": "5500000000000000001", "event_name": event_name,
            "timestamp": str(timestamp or now_ms()), "sender": {"id": sender}, "recipient": {"id": "8800000000000000"},
            "message": message}


def zalo_image(url: str = "https://photo-stal.zadn.vn/test.jpg", size: int | None = None) -> dict:
    payload = {"url": url, "thumbnail": url}
    if size is not None:
        payload["size"] = str(size)
    return {"type": "image", "payload": payload}


def zalo_video(url: str = "https://video-stal.zadn.vn/test.mp4", size: int | None = None) -> dict:
    payload = {"url": url, "thumbnail": "https://photo-stal.zadn.vn/thumb.jpg", "description": "", "duration": "1"}
    if size is not None:
        payload["size"] = str(size)
    return {"type": "video", "payload": payload}


def zalo_location(lon: float, lat: float) -> dict:
    return {"type": "location", "payload": {"coordinates": {"latitude": str(lat), "longitude": str(lon)}}}


def zalo_mac(body: bytes, timestamp: str, *, app_id: str = ZALO_APP_ID, secret: str = ZALO_SECRET) -> str:
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def zalo_post(client, payload, *, secret: str = ZALO_SECRET, signature: str | None = None, raw=None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    signed = zalo_mac(body, str(payload.get("timestamp", "")) if payload else "", secret=secret)
    return client.post("/api/chat/zalo/webhook", data=body, content_type="application/json",
                       HTTP_X_ZEVENT_SIGNATURE=signature if signature is not None else signed)


# --- a stand-in for the platforms' send APIs and media hosts -------------------------------------------------


class FakePlatform:
    """Records what the portal sends; answers as the platform would, or as told."""

    def __init__(self):
        self.requests: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.answer: dict = {}
        self.status = 200
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                platform.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "json": json.loads(body or b"{}")})
                out = json.dumps(platform.answer).encode()
                self.send_response(platform.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def do_GET(self):
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "http://example.org/elsewhere.jpg")
                    self.end_headers()
                    return
                data = platform.files.get(self.path)
                self.send_response(200 if data is not None else 404)
                self.send_header("Content-Length", str(len(data or b"")))
                self.end_headers()
                self.wfile.write(data or b"")

        return Handler

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- what the chat test modules' fixtures set up --------------------------------------------------------------


def configure_chat(settings):
    """The test's own secrets; no gateway, so nothing leaves unless a test says where."""
    settings.CHAT_ZALO_APP_ID = ZALO_APP_ID
    settings.CHAT_ZALO_OA_SECRET_KEY = ZALO_SECRET
    settings.CHAT_MESSENGER_APP_SECRET = MESSENGER_SECRET
    settings.CHAT_MESSENGER_VERIFY_TOKEN = MESSENGER_VERIFY
    for name in ("ZALO_ACCESS_TOKEN", "ZALO_SEND_URL", "MESSENGER_PAGE_TOKEN", "MESSENGER_SEND_URL",
                 "DEFAULT_CATEGORY", "MESSENGER_UPDATE_TAG"):
        setattr(settings, f"CHAT_{name}", "")
    settings.CHAT_ZALO_MEDIA_ORIGINS = settings.CHAT_MESSENGER_MEDIA_ORIGINS = []
    return settings


def make_litter():
    from incidents.models import Category

    return Category.objects.create(code="rac-thai", name_vi="Rác thải", name_en="Litter", deadline_days=3)
