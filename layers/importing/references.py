"""Codes in a file that name rows of other tables: land-use codes, plan decisions, operators."""

import pyarrow as pa
import pyarrow.compute as pc

from layers.errors import UnknownUnits
from layers.registry import Column, LayerKind

__all__ = ["References", "UnknownReference"]


class UnknownReference(UnknownUnits):
    code = "unknown_reference"
    user_msg = "The file names codes the portal does not know."


def _lookup(table: str) -> dict[str, object]:
    from layers.models import LandUseCode, PlanDecision
    from portal.accounts.models import OrgUnit

    if table == "LandUseCode":
        return {code: code for code in LandUseCode.objects.values_list("code", flat=True)}
    if table == "PlanDecision":
        return dict(PlanDecision.objects.values_list("number", "id"))
    if table == "OrgUnit":
        return dict(OrgUnit.objects.values_list("code", "id"))
    raise KeyError(table)


class References:
    """Loads each referenced table once per import and turns codes into the keys to store.

    Loaded up front: once COPY has started, the connection can run no other query.
    """

    def __init__(self, kind: LayerKind):
        self._tables = {}
        for column in kind.columns:
            if column.references:
                table = _lookup(column.references)
                codes = pa.array(list(table), pa.string())
                keys = pa.array(list(table.values()))
                self._tables[column.references] = (codes, keys)

    def resolve(self, column: Column, values: pa.Array) -> pa.Array:
        if not column.references:
            return values
        codes, keys = self._tables[column.references]
        if column.references == "LandUseCode":
            values = pc.utf8_upper(values)
        position = pc.index_in(values, value_set=codes)
        unknown = pc.and_(pc.is_valid(values), pc.is_null(position))
        if pc.any(unknown).as_py():
            names = sorted(set(pc.filter(values, unknown).to_pylist()))
            more = f" (and {len(names) - 10} more)" if len(names) > 10 else ""
            shown = ", ".join(map(str, names[:10])) + more
            raise UnknownReference(f"{column.name}: unknown {column.references} codes {shown}; nothing was imported")
        return pc.take(keys, position)
