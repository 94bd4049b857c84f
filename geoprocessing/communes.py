"""Communes by name or code across the 2025 reorganisation: a name from before or after finds the same parcels."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from psycopg import Connection

from .errors import UnknownCommune
from .records import UnitRef
from .sqlfiles import DEFAULT_TABLES, Tables, cursor, statement

__all__ = ["CommuneSet", "ascii_key", "commune_keys", "resolve_communes", "search_communes"]

_PREFIXES = ("phuong ", "xa ", "thi tran ", "dac khu ")
MAX_TEXT = 120


def ascii_key(text: str) -> str:
    """Lower-case ASCII with single spaces: 'Phường Kinh Dinh' -> 'phuong kinh dinh'."""
    text = text.replace("đ", "d").replace("Đ", "D")
    plain = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip().lower()


def commune_keys(text: str) -> list[str]:
    """The stored ASCII names a commune asked as `text` may have: with and without its kind of unit."""
    key = ascii_key(text)
    bare = next((key.removeprefix(prefix) for prefix in _PREFIXES if key.startswith(prefix)), key)
    return sorted({key, bare, *(prefix + bare for prefix in _PREFIXES)})


@dataclass(frozen=True)
class CommuneSet:
    """The communes a text named (`direct`) and all those joined to them by successions (`linked`)."""

    asked: str
    direct: tuple[int, ...]
    linked: dict[int, UnitRef]


def resolve_communes(conn: Connection, text: str, *, tables: Tables = DEFAULT_TABLES) -> CommuneSet:
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise UnknownCommune(f"name a commune (code or name, at most {MAX_TEXT} characters)", field="commune")
    with cursor(conn) as cur:
        cur.execute(statement("communes_matching", tables), {"text": text, "names": commune_keys(text)})
        direct = tuple(row[0] for row in cur.fetchall())
        if not direct:
            raise UnknownCommune(f"no commune is named or coded {text!r}", field="commune")
        cur.execute(statement("communes_linked", tables), {"ids": list(direct)})
        linked = {row[0]: UnitRef(*row) for row in cur.fetchall()}
    return CommuneSet(asked=text, direct=direct, linked=linked)


@dataclass(frozen=True)
class CommuneHit:
    id: int
    code: str
    gso_code: str
    name: str
    valid_from: date | None
    valid_to: date | None
    district: str | None


def search_communes(conn: Connection, text: str, *, province_ids: tuple[int, ...] | None = None, limit: int = 20,
                    tables: Tables = DEFAULT_TABLES) -> list[CommuneHit]:
    """Communes of every period whose ASCII name contains `text` (or whose code it is), newest first."""
    text = (text or "").strip()[:MAX_TEXT]
    like = "%" + ascii_key(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with cursor(conn) as cur:
        cur.execute(statement("communes_search", tables), {
            "like": like, "text": text, "province_ids": list(province_ids) if province_ids else None,
            "limit": max(1, min(int(limit), 100))})
        return [CommuneHit(*row) for row in cur.fetchall()]
