"""The platforms' request signatures, checked on the raw body with constant-time comparison (no Django).

Facebook Messenger (Meta Webhooks, "Validating payloads"): ``X-Hub-Signature-256: sha256=<hex>`` where hex is
HMAC-SHA256 of the exact request body keyed with the app secret.

Zalo OA (webhook docs, "Xác thực dữ liệu"): ``X-ZEvent-Signature: mac=<hex>`` where hex is plain SHA-256 (not an
HMAC) of app id + raw body + the body's ``timestamp`` field + the OA secret key, concatenated in that order. The
docs show the timestamp as the JSON string value (milliseconds); when a number arrives it is used as its decimal
digits, which the docs do not cover.
"""

import hashlib
import hmac

__all__ = ["messenger_signature", "messenger_signature_ok", "zalo_mac", "zalo_signature_ok"]


def messenger_signature(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_signature_ok(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not app_secret:
        return False
    return hmac.compare_digest(messenger_signature(body, app_secret).encode(), header.strip().encode())


def zalo_mac(*, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()
    return f"mac={digest}"


def zalo_signature_ok(header: str | None, *, app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> bool:
    if not header or not app_id or not oa_secret_key:
        return False
    expected = zalo_mac(app_id=app_id, body=body, timestamp=timestamp, oa_secret_key=oa_secret_key)
    return hmac.compare_digest(expected.encode(), header.strip().encode())
