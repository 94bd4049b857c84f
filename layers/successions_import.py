"""Import the succession of administrative units (old unit → new unit) from a CSV table.

Columns: old_level, old_code, new_level, new_code, effective (YYYY-MM-DD), and optionally kind
(merge, split, rename, abolish) and note. Each old unit still open-ended is closed on the
effective date. An `abolish` row may leave new_level/new_code empty: the unit just ends (as the
district level did on 1 July 2025). All-or-nothing: any unknown unit aborts the whole table.
"""

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction

from .errors import BadMapping, UnknownUnits
from .models import AdminUnit, AdminUnitSuccession

__all__ = ["SuccessionReport", "import_successions"]

COLUMNS = ("old_level", "old_code", "new_level", "new_code", "effective")


@dataclass
class SuccessionReport:
    links: int = 0
    closed: int = 0

    def summary(self) -> str:
        return f"{self.links} succession links, {self.closed} old units closed"


def _unit_on(level: str, code: str, day: date) -> AdminUnit | None:
    return AdminUnit.objects.filter(level=level, code=code).valid_on(day).order_by("-valid_from").first()


def _read_rows(path: Path) -> list[dict]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise BadMapping(f"the succession table lacks columns {', '.join(missing)}")
            return list(reader)
    except (OSError, UnicodeDecodeError) as exc:
        raise BadMapping(f"cannot read {path.name}: {exc}") from exc


def import_successions(path: str | Path) -> SuccessionReport:
    rows = _read_rows(Path(path))
    report = SuccessionReport()
    unknown = []
    with transaction.atomic():
        for number, row in enumerate(rows, start=2):
            try:
                effective = date.fromisoformat(row["effective"].strip())
            except ValueError as exc:
                raise BadMapping(f"line {number}: effective {row['effective']!r} is not YYYY-MM-DD") from exc
            kind = (row.get("kind") or AdminUnitSuccession.Kind.MERGE).strip()
            if kind not in AdminUnitSuccession.Kind.values:
                kinds = ", ".join(AdminUnitSuccession.Kind.values)
                raise BadMapping(f"line {number}: kind {kind!r} is not one of {kinds}")
            old = _unit_on(row["old_level"].strip(), row["old_code"].strip(), effective - timedelta(days=1))
            ends_only = kind == AdminUnitSuccession.Kind.ABOLISH and not (row["new_code"] or "").strip()
            new = None if ends_only else _unit_on(row["new_level"].strip(), row["new_code"].strip(), effective)
            if old is None or (new is None and not ends_only):
                unknown.append(f"line {number}: {row['old_level']} {row['old_code']} → "
                               f"{row['new_level']} {row['new_code']}")
                continue
            if new is not None:
                AdminUnitSuccession.objects.update_or_create(
                    predecessor=old, successor=new,
                    defaults={"effective": effective, "kind": kind, "note": (row.get("note") or "").strip()})
                report.links += 1
            if old.valid_to is None or old.valid_to > effective:
                old.valid_to = effective
                old.save(update_fields=["valid_to"])
                report.closed += 1
        if unknown:
            raise UnknownUnits("units not found in force at the succession date: " + "; ".join(unknown[:10])
                               + (f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""))
    return report
