"""The registry of layer kinds, built once at start-up from an explicit list of modules.

A kind is what every consumer of a layer needs to know about its table: which model holds it,
its geometry, which columns exist, which are public, which can be imported, which go into
tiles, and its default style. Tiles, OGC API, exports, imports and the map all read it from here.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models

__all__ = ["Column", "LayerKind", "register", "get_kind", "all_kinds", "UnknownKind"]


@dataclass(frozen=True)
class Column:
    """One attribute of a layer kind, as the outside world sees it."""

    name: str
    type: type = str  # str, int, float, bool, date
    label_vi: str = ""
    label_en: str = ""
    public: bool = True  # False: personal or sensitive; never in tiles, public features or exports
    importable: bool = True  # False: computed by the database (areas, lengths) or by the portal
    # For codes that name a row of another table ("LandUseCode", "PlanDecision", "OrgUnit"): the
    # importer resolves them and writes the key into `attname`; readers follow `path`.
    references: str = ""
    path: str = ""  # ORM path to read the value (default: name)
    attname: str = ""  # database column written by imports (default: name)

    @property
    def read_path(self) -> str:
        return self.path or self.name

    @property
    def write_column(self) -> str:
        return self.attname or self.name

    def cast(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        if self.type is bool:
            return str(value).strip().lower() in ("1", "true", "yes", "y", "t", "có", "mở", "open")
        if self.type is int:
            return int(float(value))
        if self.type is float:
            return float(value)
        if self.type is date:
            return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        text = str(value).strip()
        if text.endswith(".0") and text[:-2].lstrip("-").isdigit():
            text = text[:-2]  # a code stored as a float by a spreadsheet (e.g. "12.0")
        return text


@dataclass(frozen=True)
class LayerKind:
    key: str
    model: type[models.Model]
    theme: str
    geometry: str  # "Polygon", "LineString" or "Point"; polygons are stored as MultiPolygon
    columns: tuple[Column, ...]
    tile_columns: tuple[str, ...]
    default_style: dict = field(default_factory=dict)
    computed: tuple[str, ...] = ()  # database-computed public columns: area_m2, length_m

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def public_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.public) + self.computed

    @property
    def private_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.public)

    @property
    def import_columns(self) -> dict[str, Column]:
        return {c.name: c for c in self.columns if c.importable}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def public_paths(self) -> dict[str, str]:
        """Public name -> ORM path, for exports and feature APIs."""
        paths = {c.name: c.read_path for c in self.columns if c.public}
        return {**paths, **{name: name for name in self.computed}}

    def features(self, layer):
        return self.model.objects.filter(layer=layer)

    def __post_init__(self):
        leaked = set(self.tile_columns) & set(self.private_columns)
        if leaked:
            raise ValueError(f"kind {self.key}: private columns in tiles: {sorted(leaked)}")


class UnknownKind(KeyError):
    pass


_KINDS: dict[str, LayerKind] = {}


def register(kind: LayerKind) -> LayerKind:
    if kind.key in _KINDS:
        raise ValueError(f"layer kind {kind.key!r} registered twice")
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> LayerKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownKind(key) from None


def all_kinds() -> dict[str, LayerKind]:
    return dict(_KINDS)
