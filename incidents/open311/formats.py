"""GeoReport v2 documents as XML and JSON from one tree of (name, value) pairs, element order as the spec gives it.

The XML is written by hand rather than through ElementTree so that empty elements come out as `<zipcode/>`,
as the cities' servers write them, and characters XML 1.0 cannot carry are dropped instead of breaking it.
"""

import json
import re
from datetime import datetime
from xml.sax.saxutils import escape

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.utils import timezone

__all__ = ["Node", "to_xml", "to_json", "respond", "w3c"]

# (name, value): value is None/str/number/bool/datetime for a leaf, or a list of Nodes for children.
Node = tuple[str, object]
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def w3c(value: datetime | None) -> str | None:
    """W3C datetime with the offset, in Việt Nam time: 2026-12-01T09:30:00+07:00."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return _NOT_XML.sub("", str(value))


def _write(node: Node, out: list[str], attrs: str = "") -> None:
    name, value = node
    if isinstance(value, list):
        if not value:
            out.append(f"<{name}{attrs}/>")
            return
        out.append(f"<{name}{attrs}>")
        for child in value:
            _write(child, out)
        out.append(f"</{name}>")
        return
    text = _text(value)
    out.append(f"<{name}{attrs}>{escape(text)}</{name}>" if text else f"<{name}{attrs}/>")


def to_xml(root: Node, *, attrs: dict[str, str] | None = None) -> bytes:
    extra = "".join(f' {k}="{escape(v, {chr(34): "&quot;"})}"' for k, v in (attrs or {}).items())
    out = ['<?xml version="1.0" encoding="utf-8"?>\n']
    _write(root, out, extra)
    return "".join(out).encode("utf-8")


def _plain(value):
    if isinstance(value, list):
        # Children named as array members (request, service, …) make an array, none at all too; else an object.
        if not value or value[0][0] in _ARRAY_ITEMS:
            return [_plain(child) for _, child in value]
        return {name: _plain(child) for name, child in value}
    if isinstance(value, datetime):
        return w3c(value)
    return value


# Children that are always array members, even alone: one request, one service, one format.
_ARRAY_ITEMS = {"request", "service", "attribute", "value", "error", "endpoint", "format"}


def to_json(root: Node) -> bytes:
    """The JSON of GeoReport v2: the root's children as an array (requests, services, errors) or an object."""
    _name, value = root
    body = _plain(value)
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode("utf-8")


def respond(root: Node, fmt: str, *, status: int = 200, xml_attrs: dict | None = None) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(to_json(root), status=status, content_type="application/json; charset=utf-8")
    return HttpResponse(to_xml(root, attrs=xml_attrs), status=status, content_type="text/xml; charset=utf-8")
