"""Reading an untrusted JSON payload: each missing or mistyped field named in a MalformedPayload (400)."""

import hashlib
import json

from .errors import MalformedPayload

__all__ = ["load_object", "field", "identifier", "millis", "number", "digest_of"]


def load_object(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"The body is not valid JSON: {exc}", field="body") from exc
    if not isinstance(data, dict):
        raise MalformedPayload("The body must be a JSON object.", field="body")
    return data


def field(data: dict, name: str, kind: type | tuple, *, where: str, required: bool = True):
    value = data.get(name) if isinstance(data, dict) else None
    if value is None:
        if required:
            raise MalformedPayload(f"{where}.{name} is missing.", field=f"{where}.{name}")
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or isinstance(value, bool) and bool not in kinds:  # JSON true is not an id
        raise MalformedPayload(f"{where}.{name} has the wrong type.", field=f"{where}.{name}")
    return value


def identifier(data: dict, name: str, *, where: str) -> str:
    """An id the platforms send as a string, or as a number in older payloads."""
    value = field(data, name, (str, int), where=where)
    text = str(value).strip()
    if not text or len(text) > 100:
        raise MalformedPayload(f"{where}.{name} is not an id.", field=f"{where}.{name}")
    return text


def millis(data: dict, name: str, *, where: str) -> int:
    """A timestamp in milliseconds since 1970, as a number or a string of digits (Zalo sends a string)."""
    value = field(data, name, (str, int), where=where)
    if isinstance(value, str) and not value.isdigit():
        raise MalformedPayload(f"{where}.{name} is not a timestamp.", field=f"{where}.{name}")
    return int(value)


def number(value, *, where: str) -> float:
    """A coordinate, as a number or a numeric string (Zalo sends strings)."""
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise MalformedPayload(f"{where} is not a number.", field=where) from None
    if result != result or result in (float("inf"), float("-inf")) or isinstance(value, bool):
        raise MalformedPayload(f"{where} is not a number.", field=where)
    return result


def digest_of(value) -> str:
    """An id for platform events that carry none (receipts): the same event gives the same id."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:40]
