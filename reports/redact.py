"""Redaction of free text before it reaches the public newsletter: contacts, ID numbers and plates are masked.

Citizens write phone numbers, e-mail addresses and licence plates into descriptions; none of them belongs in a
public document, whoever they name."""

from __future__ import annotations

import re

__all__ = ["redact_text"]

_PATTERNS = (
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "[e-mail]"),
    # Vietnamese plates: 85A-123.45, 85-B1 234.56, 51F12345
    (re.compile(r"\b\d{2}\s?-?\s?[A-Z]{1,2}\d?\s?-?\s?\d{3}[.\s]?\d{1,2}\b"), "[biển số]"),
    # Phones (+84 / 0…) and ID card numbers (9 or 12 digits), with or without separators.
    (re.compile(r"(?<!\w)(\+?84|0)[\s.\-]?\d{2,3}([\s.\-]?\d{3}){2}(?!\w)"), "[số điện thoại]"),
    (re.compile(r"(?<!\w)\d{9}(\d{3})?(?!\w)"), "[số giấy tờ]"),
)


def redact_text(text: str, *, limit: int = 300) -> str:
    """`text` with contacts, ID numbers and plates masked, cut at `limit` characters on a word boundary."""
    out = text or ""
    for pattern, mask in _PATTERNS:
        out = pattern.sub(mask, out)
    out = " ".join(out.split())
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0] + " …"
    return out
