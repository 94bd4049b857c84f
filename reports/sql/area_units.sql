-- The area itself and the communes inside it that were in force on the period's last day, simplified for maps.
SELECT u.id, u.level, u.code, u.name, ST_AsBinary(ST_SimplifyPreserveTopology(u.geom, %(tolerance)s)) AS wkb,
       ST_XMin(b) AS xmin, ST_YMin(b) AS ymin, ST_XMax(b) AS xmax, ST_YMax(b) AS ymax
FROM {admin_units} u
CROSS JOIN LATERAL (SELECT ST_Transform(u.geom, %(metric_srid)s)::box2d AS b) box
LEFT JOIN {admin_units} p ON p.id = u.parent_id
WHERE (u.id = ANY(%(areas)s)
       OR (u.level = 'commune' AND (u.parent_id = ANY(%(areas)s) OR p.parent_id = ANY(%(areas)s))))
  AND (u.valid_from IS NULL OR u.valid_from <= %(day)s) AND (u.valid_to IS NULL OR u.valid_to > %(day)s)
ORDER BY u.level = 'commune', u.name
