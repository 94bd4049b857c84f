"""Vietnamese names in plain ASCII, for search and for systems that cannot store diacritics."""

import unicodedata

__all__ = ["ascii_name"]


def ascii_name(name: str) -> str:
    # đ/Đ is a letter of its own, not a d with a combining mark, so NFKD alone leaves it.
    text = name.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
