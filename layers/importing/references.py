"""Codes in a file that name rows of other tables: land-use codes, plan decisions, operators."""

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
        self._tables = {c.references: _lookup(c.references) for c in kind.columns if c.references}

    def resolve(self, column: Column, values: list) -> list:
        if not column.references:
            return values
        table = self._tables[column.references]
        if column.references == "LandUseCode":
            values = [v.upper() if isinstance(v, str) else v for v in values]
        unknown = sorted({v for v in values if v is not None and v not in table})
        if unknown:
            more = f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""
            shown = ", ".join(map(str, unknown[:10])) + more
            raise UnknownReference(f"{column.name}: unknown {column.references} codes {shown}; nothing was imported")
        return [None if v is None else table[v] for v in values]
