"""Import administrative units from any polygon file GDAL reads, with a field mapping.

All-or-nothing: the upsert, the parent links and the report happen in one transaction.
Units are keyed by (level, code, valid_from), so re-importing a file updates it in place and a
new frame (say, the units in force from 1 July 2025) sits beside the old one.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection, transaction

from .errors import BadMapping
from .models import AdminUnit
from .names import ascii_name
from .vector_files import read_polygons

__all__ = ["FieldMapping", "AdminImportReport", "import_admin_units", "PARENT_LEVEL"]

PARENT_LEVEL = {
    AdminUnit.Level.COMMUNE: AdminUnit.Level.DISTRICT,
    AdminUnit.Level.DISTRICT: AdminUnit.Level.PROVINCE,
}
TARGETS = ("code", "name", "name_ascii", "gso_code", "population", "parent_code")
REQUIRED = ("code", "name")


@dataclass(frozen=True)
class FieldMapping:
    """Which field of the file fills which attribute of a unit."""

    fields: dict[str, str]

    @classmethod
    def parse(cls, pairs: list[str] | None = None, file: str | Path | None = None) -> "FieldMapping":
        mapping: dict[str, str] = {}
        if file:
            try:
                mapping.update(json.loads(Path(file).read_text()))
            except (OSError, ValueError) as exc:
                raise BadMapping(f"cannot read mapping file {file}: {exc}") from exc
        for pair in pairs or []:
            target, sep, source = pair.partition("=")
            if not sep or not source:
                raise BadMapping(f"mapping '{pair}' is not target=field")
            mapping[target.strip()] = source.strip()
        unknown = sorted(set(mapping) - set(TARGETS))
        if unknown:
            raise BadMapping(f"unknown mapping targets {', '.join(unknown)}; use {', '.join(TARGETS)}")
        absent = [target for target in REQUIRED if target not in mapping]
        if absent:
            raise BadMapping(f"the mapping must name a field for {', '.join(absent)}")
        return cls(fields=mapping)


@dataclass
class AdminImportReport:
    level: str
    created: int = 0
    updated: int = 0
    skipped: int = 0
    parents_linked: int = 0
    without_parent: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.level}: {self.created} created, {self.updated} updated, {self.skipped} skipped, "
                f"{self.parents_linked} linked to a parent, {self.without_parent} without parent")
        return text + "".join(f"\n  note: {note}" for note in self.notes)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _population(value) -> int | None:
    text = _text(value)
    return int(float(text)) if text else None


def import_admin_units(path: str | Path, *, level: str, mapping: FieldMapping, layer: str | None = None,
                       valid_from: date | None = None, valid_to: date | None = None, code_prefix: str = "",
                       srid: int | None = None, source: str = "",
                       progress: Callable[[int, int], None] | None = None) -> AdminImportReport:
    if level not in AdminUnit.Level.values:
        raise BadMapping(f"level must be one of {', '.join(AdminUnit.Level.values)}")
    if valid_from and valid_to and valid_to <= valid_from:
        raise BadMapping("valid_to must come after valid_from")
    columns = sorted(set(mapping.fields.values()))
    frame, read = read_polygons(path, columns=columns, layer=layer, srid=srid)
    report = AdminImportReport(level=level, notes=read.notes(), skipped=read.skipped)
    source = source or Path(str(path)).name

    units = []
    seen: set[str] = set()
    geometry_column = frame.geometry.name
    # Records, not itertuples: real field names hold spaces and dashes that namedtuples would rename.
    for values in frame.to_dict("records"):
        raw_code = _text(values[mapping.fields["code"]])
        name = _text(values[mapping.fields["name"]])
        if not raw_code or not name:
            report.skipped += 1
            report.notes.append(f"a feature without code or name was skipped ({name or raw_code or 'blank'})")
            continue
        code = code_prefix + raw_code
        if code in seen:
            raise BadMapping(f"code {code!r} appears twice in the file: the code field must identify a unit")
        seen.add(code)
        units.append(AdminUnit(
            level=level, code=code, name=name,
            name_ascii=_text(values.get(mapping.fields.get("name_ascii", ""), "")) or ascii_name(name),
            gso_code=_text(values.get(mapping.fields.get("gso_code", ""), "")),
            population=_population(values.get(mapping.fields.get("population", ""))),
            valid_from=valid_from, valid_to=valid_to, source=source,
            geom=GEOSGeometry(memoryview(values[geometry_column].wkb), srid=4326),
        ))
    parent_codes = {}
    if "parent_code" in mapping.fields:
        parent_codes = {u.code: _text(v) for u, v in zip(units, frame[mapping.fields["parent_code"]], strict=False)}

    with transaction.atomic():
        existing = set(AdminUnit.objects.filter(level=level, valid_from=valid_from, code__in=seen)
                       .values_list("code", flat=True))
        report.updated = len(existing)
        report.created = len(units) - len(existing)
        batch = 500
        for start in range(0, len(units), batch):
            AdminUnit.objects.bulk_create(
                units[start:start + batch], update_conflicts=True, unique_fields=["level", "code", "valid_from"],
                update_fields=["name", "name_ascii", "gso_code", "population", "valid_to", "source", "geom"])
            if progress:
                progress(min(start + batch, len(units)), len(units))
        ids = list(AdminUnit.objects.filter(level=level, valid_from=valid_from, code__in=seen)
                   .values_list("id", flat=True))
        if level in PARENT_LEVEL:
            linked = _link_parents(ids, PARENT_LEVEL[level], parent_codes)
            report.parents_linked = linked
            report.without_parent = len(ids) - linked
    return report


# A parent is one level up and in force when the child starts; it is named by code when the file gives
# one (parent_codes: child code -> parent code), else it is the unit holding a point inside the child.
_LINK_PARENTS = """
    UPDATE layers_adminunit AS child
       SET parent_id = (
           SELECT p.id FROM layers_adminunit AS p
            WHERE p.level = %(parent_level)s
              AND (p.valid_from IS NULL OR child.valid_from IS NOT NULL AND p.valid_from <= child.valid_from)
              AND (p.valid_to IS NULL OR child.valid_from IS NULL OR p.valid_to > child.valid_from)
              AND CASE WHEN %(parent_codes)s::jsonb = '{}'::jsonb
                       THEN ST_Covers(p.geom, ST_PointOnSurface(child.geom))
                       ELSE p.code = %(parent_codes)s::jsonb ->> child.code END
            ORDER BY p.valid_from DESC NULLS LAST, p.id LIMIT 1)
     WHERE child.id = ANY(%(ids)s)
"""


def _link_parents(ids: list[int], parent_level: str, parent_codes: dict[str, str]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_LINK_PARENTS, {"parent_level": parent_level, "ids": ids,
                                       "parent_codes": json.dumps(parent_codes)})
        cursor.execute("SELECT count(*) FROM layers_adminunit WHERE id = ANY(%s) AND parent_id IS NOT NULL", [ids])
        return cursor.fetchone()[0]
