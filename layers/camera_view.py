"""The ground a camera sees: a sector from its position along its heading, as wide as its view angle."""

from django.db import connection

__all__ = ["refresh_fields_of_view"]

# 16 arc steps keep a sector smooth at map scale; ST_Project works on the spheroid, so range_m is metres.
_FOV_SQL = """
    UPDATE layers_camera AS c
       SET fov = (
           SELECT ST_MakePolygon(ST_MakeLine(array_agg(pt ORDER BY i)))
             FROM (SELECT -1 AS i, c.geom AS pt
                   UNION ALL
                   SELECT s, ST_Project(c.geom::geography, c.range_m,
                                        radians(c.heading_deg - c.view_angle_deg / 2
                                                + c.view_angle_deg * s / 16.0))::geometry
                     FROM generate_series(0, 16) AS s
                   UNION ALL
                   SELECT 17, c.geom) AS ring)
     WHERE c.layer_id = %s
"""


def refresh_fields_of_view(layer_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_FOV_SQL, [layer_id])
        return cursor.rowcount
