"""The public answer as JSON, and a digest of what it says, for sheets and their verification."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date

from django.urls import reverse

from .records import PlanningAnswer
from .schemas import AnswerOut

__all__ = ["answer_json", "answer_bytes", "answer_digest", "answer_json_by_schema"]


def _decision(data: dict) -> dict:
    has_document = data.pop("has_document")
    data["document_url"] = (reverse("api:planning_decision_document", kwargs={"decision_id": data["id"]})
                            if has_document else None)
    return data


def _layer(data: dict) -> dict:
    data.pop("id", None)
    return data


def answer_json(answer: PlanningAnswer) -> dict:
    """The answer as AnswerOut describes it, built straight from the records: validating the schema on the way
    out cost more than the whole lookup (tests check the two agree)."""
    data = json.loads(json.dumps(dataclasses.asdict(answer), default=_iso))
    _layer(data["parcel"]["layer"])
    for zone in data["zones"]:
        _layer(zone["layer"])
        _decision(zone["decision"])
    for decision in data["decisions"]:
        _decision(decision)
    for item in (*data["networks"], *data["irrigation"]):
        _layer(item["layer"])
    data["notes"] = list(data["notes"])
    return data


def answer_bytes(answer: PlanningAnswer) -> bytes:
    return json.dumps(answer_json(answer), ensure_ascii=False).encode()


def _iso(value):
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def answer_json_by_schema(answer: PlanningAnswer) -> dict:
    """The same, through the response schema: the reference answer_json is tested against."""
    return AnswerOut.model_validate(answer).model_dump(mode="json")


_VOLATILE = frozenset({"id", "version", "document_url"})


def _content(value):
    """The answer without what a re-import changes while the plan stays the same (row ids, layer versions)."""
    if isinstance(value, dict):
        return {k: _content(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_content(v) for v in value]
    return value


def answer_digest(data: dict) -> str:
    """SHA-256 of what the answer says (ids and versions left out), to tell whether the plan changed."""
    return hashlib.sha256(json.dumps(_content(data), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
