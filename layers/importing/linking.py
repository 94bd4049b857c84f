"""What an import derives in the database once rows are in: network topology, camera views.

Networks are joined by geometry, not by ids in the file: a segment's end that lies within a metre of a
node of the same network is connected to it, so any file that draws pipes to their valves connects.
"""

from django.db import connection

from layers.camera_view import refresh_fields_of_view

__all__ = ["after_import"]

# ~1.1 m in degrees near the equator: an index-friendly prefilter; geography confirms the metre.
_SEGMENT_NODES = """
    UPDATE layers_networksegment AS s
       SET from_node_id = (SELECT n.id FROM layers_networknode AS n
                            WHERE n.network = s.network AND ST_DWithin(n.geom, ST_StartPoint(s.geom), 1e-5)
                              AND ST_DWithin(n.geom::geography, ST_StartPoint(s.geom)::geography, 1.0)
                            ORDER BY n.geom <-> ST_StartPoint(s.geom) LIMIT 1),
           to_node_id = (SELECT n.id FROM layers_networknode AS n
                          WHERE n.network = s.network AND ST_DWithin(n.geom, ST_EndPoint(s.geom), 1e-5)
                            AND ST_DWithin(n.geom::geography, ST_EndPoint(s.geom)::geography, 1.0)
                          ORDER BY n.geom <-> ST_EndPoint(s.geom) LIMIT 1)
     WHERE (%(layer)s::bigint IS NULL OR s.layer_id = %(layer)s)
"""

_CANAL_WORKS = """
    UPDATE layers_canal AS c
       SET from_work_id = (SELECT w.id FROM layers_irrigationwork AS w
                            WHERE ST_DWithin(w.geom, ST_StartPoint(c.geom), 1e-5)
                              AND ST_DWithin(w.geom::geography, ST_StartPoint(c.geom)::geography, 1.0)
                            ORDER BY w.geom <-> ST_StartPoint(c.geom) LIMIT 1),
           to_work_id = (SELECT w.id FROM layers_irrigationwork AS w
                          WHERE ST_DWithin(w.geom, ST_EndPoint(c.geom), 1e-5)
                            AND ST_DWithin(w.geom::geography, ST_EndPoint(c.geom)::geography, 1.0)
                          ORDER BY w.geom <-> ST_EndPoint(c.geom) LIMIT 1)
     WHERE (%(layer)s::bigint IS NULL OR c.layer_id = %(layer)s)
"""


def after_import(kind_key: str, layer_id: int) -> list[str]:
    """Run the derivations for a freshly imported layer; returns notes for the report."""
    with connection.cursor() as cursor:
        if kind_key == "land_parcel":
            cursor.execute("SELECT count(*) FROM layers_landparcel WHERE layer_id = %s AND commune_id IS NULL",
                           [layer_id])
            outside = cursor.fetchone()[0]
            return [f"{outside} parcels lie in no known commune"] if outside else []
        if kind_key in ("network_segment", "network_node"):
            # New nodes may complete segments of other layers, so nodes relink every segment.
            cursor.execute(_SEGMENT_NODES, {"layer": layer_id if kind_key == "network_segment" else None})
            cursor.execute("SELECT count(*) FROM layers_networksegment "
                           "WHERE from_node_id IS NULL OR to_node_id IS NULL")
            return _loose(cursor.fetchone()[0], "segments")
        if kind_key in ("canal", "irrigation_work"):
            cursor.execute(_CANAL_WORKS, {"layer": layer_id if kind_key == "canal" else None})
            cursor.execute("SELECT count(*) FROM layers_canal WHERE from_work_id IS NULL OR to_work_id IS NULL")
            return _loose(cursor.fetchone()[0], "canal reaches")
        if kind_key == "camera":
            refresh_fields_of_view(layer_id)
    return []


def _loose(count: int, noun: str) -> list[str]:
    return [f"{count} {noun} have an end joined to no node (yet)"] if count else []
