"""Exactly-once submission: a draft's key is taken in the same transaction as the incident it files.

A retry with the same key and the same content gets the same answer (the same tracking code, and the reporter
key again); the same key with other content is refused. Two retries at once meet on the key's unique index: the
second waits for the first to commit, then answers as a retry; if the first failed, nothing of it was stored and
the second starts afresh. A draft refused by intake (a corrupt photo) leaves no trace, its key included."""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from django.db import transaction

from incidents.intake import Report, check_report, do_submit_incident
from incidents.models import Channel, Incident
from portal.errors import InvalidInput

from .errors import KeyReused, MissingKey, SubmissionGone
from .models import SubmissionKey

__all__ = ["Submitted", "check_key", "fingerprint", "find_replay", "do_submit_once", "seal", "unseal", "FIELDS"]

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
FIELDS = ("category", "description", "lon", "lat", "address", "reporter_name", "reporter_phone", "reporter_email",
          "attributes")


@dataclass(frozen=True)
class Submitted:
    incident: Incident
    reporter_key: str
    replayed: bool


def check_key(value: str | None) -> str:
    key = (value or "").strip()
    if not _KEY.match(key):
        raise MissingKey()
    return key


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def fingerprint(data: dict, files: list) -> str:
    """What was sent, independent of multipart framing: the fields, then each file's bytes, in order."""
    digest = hashlib.sha256(json.dumps({name: str(data.get(name) or "") for name in FIELDS},
                                       sort_keys=True).encode())
    for upload in files:
        part = hashlib.sha256()
        for chunk in upload.chunks():
            part.update(chunk)
        upload.seek(0)
        digest.update(part.digest())
    return digest.hexdigest()


def _pad(key: str, length: int) -> bytes:
    # HMAC-SHA256 keyed with the idempotency key (random, 122 bits for a UUID, known to the device only) is a
    # one-time pad: each key seals exactly one reporter key.
    pad = hmac.new(key.encode(), b"citizen-app reporter key", hashlib.sha256).digest()
    if length > len(pad):
        raise ValueError("reporter keys are at most 32 bytes")
    return pad[:length]


def seal(key: str, reporter_key: str) -> str:
    raw = reporter_key.encode()
    return bytes(a ^ b for a, b in zip(raw, _pad(key, len(raw)), strict=True)).hex()


def unseal(key: str, sealed: str) -> str:
    raw = bytes.fromhex(sealed)
    # A wrong key gives garbage, not an error: the digest lookup already tied the row to this key.
    return bytes(a ^ b for a, b in zip(raw, _pad(key, len(raw)), strict=True)).decode("ascii", errors="replace")


def _replay(row: SubmissionKey, key: str, fp: str) -> Submitted:
    if not hmac.compare_digest(row.fingerprint, fp):
        raise KeyReused()
    if row.incident is None:
        raise SubmissionGone()
    return Submitted(incident=row.incident, reporter_key=unseal(key, row.sealed_reporter_key), replayed=True)


def find_replay(key: str, fp: str) -> Submitted | None:
    """The earlier answer for this key, or None when the key is new."""
    row = SubmissionKey.objects.select_related("incident", "incident__agency").filter(key_digest=_digest(key)).first()
    return None if row is None else _replay(row, key, fp)


def _attributes(text: str) -> dict:
    if not text:
        return {}
    try:
        answers = json.loads(text)
    except ValueError:
        raise InvalidInput("attributes must be a JSON object of answers.", field="attributes") from None
    if not isinstance(answers, dict):
        raise InvalidInput("attributes must be a JSON object of answers.", field="attributes")
    return answers


def _report(data: dict) -> Report:
    values = {name: str(data.get(name) or "") for name in FIELDS if name not in ("lon", "lat", "attributes")}
    return Report(channel=Channel.APP, lon=data.get("lon") or None, lat=data.get("lat") or None,
                  attributes=_attributes(str(data.get("attributes") or "")), **values)


def do_submit_once(*, key: str, fp: str, data: dict, files: list) -> Submitted:
    with transaction.atomic():
        row, created = SubmissionKey.objects.get_or_create(key_digest=_digest(key), defaults={"fingerprint": fp})
        if not created:  # a twin of this request committed while we were checking
            return _replay(row, key, fp)
        incident = do_submit_incident(check_report(_report(data), files))
        row.incident, row.sealed_reporter_key = incident, seal(key, incident.reporter_key)
        row.save(update_fields=["incident", "sealed_reporter_key"])
    return Submitted(incident=incident, reporter_key=incident.reporter_key, replayed=False)
