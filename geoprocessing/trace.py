"""Network traces upstream and downstream from a node: water, drainage, sewer, power, telecom over their
segments' from/to nodes, and irrigation over canal reaches between works (recursive SQL)."""

from __future__ import annotations

from typing import Literal

from psycopg import Connection

from .errors import BadInput, NodeNotOnNetwork, UnknownNode
from .queries import FeatureSet
from .records import Scope
from .sqlfiles import DEFAULT_TABLES, Tables, cursor, statement

__all__ = ["NETWORKS", "MAX_SEGMENTS", "trace"]

NETWORKS = ("water", "drainage", "sewer", "power", "telecom", "irrigation")
# Gravity networks flow the way their lines are drawn; pressure and cable networks only have a drawn direction.
FLOWING = frozenset({"drainage", "sewer", "irrigation"})
MAX_SEGMENTS = 20_000
Direction = Literal["downstream", "upstream"]


def trace(conn: Connection, *, network: str, node: str, direction: Direction, scope: Scope,
          point_layers: tuple[int, ...], line_layers: tuple[int, ...], limit: int = MAX_SEGMENTS,
          tables: Tables = DEFAULT_TABLES) -> FeatureSet:
    """The lines reached from `node` (its id or ext_id) following (downstream) or against (upstream) their
    direction. `point_layers` hold the nodes (irrigation: works), `line_layers` the segments (canals)."""
    if network not in NETWORKS:
        raise BadInput(f"network must be one of {', '.join(NETWORKS)}", field="network")
    if direction not in ("downstream", "upstream"):
        raise BadInput("direction must be downstream or upstream", field="direction")
    if not 1 <= limit <= MAX_SEGMENTS:
        raise BadInput(f"limit must be between 1 and {MAX_SEGMENTS:,}", field="limit")
    node = (node or "").strip()[:100]
    irrigation = network == "irrigation"
    params = {"node": node, "network": None if irrigation else network, "point_layers": list(point_layers),
              "line_layers": list(line_layers)}
    with cursor(conn) as cur:
        cur.execute(statement("trace_start_work" if irrigation else "trace_start", tables), params)
        start = cur.fetchone()
        if start is None:
            what = "irrigation work" if irrigation else f"{network} network node"
            raise UnknownNode(f"no {what} {node!r}", field="node")
        start_id, start_ext, _net, lines = start
        if not lines:
            raise NodeNotOnNetwork(f"{'work' if irrigation else 'node'} {start_ext} is on no "
                                   f"{'canal' if irrigation else network + ' segment'}: there is nothing to trace",
                                   field="node")
        follow, reach = (("from", "to") if direction == "downstream" else ("to", "from"))
        suffix = "work_id" if irrigation else "node_id"
        cur.execute(statement("trace_canals" if irrigation else "trace_segments", tables,
                              follow=f"{follow}_{suffix}", reach=f"{reach}_{suffix}"),
                    {"start": start_id, "layers": list(line_layers), "network": network, "limit": limit + 1})
        rows = cur.fetchall()
    truncated = len(rows) > limit
    rows = rows[:limit]
    if irrigation:
        columns = ("id", "ext_id", "from_work_id", "to_work_id", "name", "level", "length_m")
    else:
        columns = ("id", "ext_id", "from_node_id", "to_node_id", "diameter_mm", "depth_m", "length_m")
    ends = {r[3] if direction == "downstream" else r[2] for r in rows} - {None}
    starts = {r[2] if direction == "downstream" else r[3] for r in rows} - {None}
    summary = {"network": network, "direction": direction, "start": {"id": start_id, "ext_id": start_ext},
               "segments": len(rows), "length_m": round(sum(float(r[6] or 0) for r in rows), 1),
               "nodes_reached": len(ends | starts), "terminal_nodes": len(ends - starts), "truncated": truncated,
               "follows": "flow" if network in FLOWING else "drawn direction"}
    return FeatureSet(name=f"trace-{network}-{direction}", columns=columns, rows=[r[:7] for r in rows],
                      geometries=[bytes(r[7]) for r in rows], total=len(rows) + (1 if truncated else 0),
                      summary=summary)
