"""The platforms' send APIs, reached only when a gateway URL and token are configured (no default: the portal
runs in a closed network, and nothing leaves it unless an operator says where to).

Zalo OA consultation message (Official Account API v3, "Gửi tin Tư vấn"): POST <send URL> with header
`access_token: <OA access token>` and {"recipient": {"user_id": ...}, "message": {"text": ...}}; the answer is
JSON with "error": 0 on success. Messenger Send API: POST <send URL> (https://graph.facebook.com/<version>/me/
messages) with {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {"text": ...}} and the Page
access token as a Bearer header; the answer holds "message_id", or "error".
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from .conf import chat_conf

__all__ = ["Gateway", "SendFailed", "gateway_for", "post_json", "opener"]


@dataclass(frozen=True)
class Gateway:
    platform: str
    url: str
    token: str


class SendFailed(Exception):
    def __init__(self, message: str, *, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A send API or a media host that redirects is not followed: the next host was never allowed.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def opener() -> urllib.request.OpenerDirector:
    # No proxy from the environment either: the gateway URL is the one way out.
    return urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))


def gateway_for(platform: str) -> Gateway | None:
    token_name = "ACCESS_TOKEN" if platform == "zalo" else "PAGE_TOKEN"
    url, token = chat_conf.of(platform, "SEND_URL"), chat_conf.of(platform, token_name)
    if not url or not token or urlsplit(url).scheme not in ("https", "http"):
        return None
    return Gateway(platform=platform, url=url, token=token)


def post_json(gateway: Gateway, body: dict) -> dict:
    headers = {"Content-Type": "application/json"}
    if gateway.platform == "zalo":
        headers["access_token"] = gateway.token
    else:
        headers["Authorization"] = f"Bearer {gateway.token}"
    # The scheme of a configured URL is checked by gateway_for (http or https only).
    request = urllib.request.Request(gateway.url, data=json.dumps(body).encode(), headers=headers,  # noqa: S310
                                     method="POST")
    try:
        with opener().open(request, timeout=chat_conf.SEND_TIMEOUT_S) as response:
            raw = response.read(256 * 1024)
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode(errors="replace")
        # 4xx but 429: the platform refuses this message (bad recipient, closed window); trying again won't help.
        raise SendFailed(f"HTTP {exc.code}: {detail[:300]}", retry=exc.code == 429 or exc.code >= 500) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise SendFailed(f"gateway unreachable: {exc}") from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise SendFailed("the gateway's answer is not JSON") from exc
    return answer if isinstance(answer, dict) else {}
