"""The public answer as JSON, and a digest of what it says, for sheets and their verification."""

from __future__ import annotations

import hashlib
import json

from .records import PlanningAnswer
from .schemas import AnswerOut

__all__ = ["answer_json", "answer_digest"]


def answer_json(answer: PlanningAnswer) -> dict:
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
