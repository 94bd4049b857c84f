-- What the sheet's map draws inside a lon/lat box, clipped to it: plan zones in force on the day, parcels
-- (public columns only), and the network lines and canals of layers the reader may see.
WITH box AS (
    SELECT ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326) AS g,
           ST_Transform(ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326), 3857) AS g3857
)
(SELECT 'zone' AS what, z.id, z.zone_code AS label, z.land_use_code AS code, ST_AsBinary(ST_Intersection(z.geom, box.g))
   FROM {zones} AS z CROSS JOIN box
   LEFT JOIN {decisions} AS d ON d.id = z.decision_id
  WHERE z.layer_id = ANY(%(zone_layers)s) AND z.geom_3857 && box.g3857 AND ST_Intersects(z.geom, box.g)
    AND d.id IS NOT NULL AND d.status <> 'draft'
    AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
    AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
    AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)
  ORDER BY z.plan_level, z.id
  LIMIT 200)
UNION ALL
(SELECT 'parcel', p.id, p.parcel_no, p.land_use_code, ST_AsBinary(p.geom)
   FROM {parcels} AS p CROSS JOIN box
  WHERE p.layer_id = ANY(%(parcel_layers)s) AND p.geom_3857 && box.g3857
  ORDER BY p.id
  LIMIT 600)
UNION ALL
(SELECT 'segment', s.id, s.network, s.network, ST_AsBinary(ST_Intersection(s.geom, box.g))
   FROM {segments} AS s CROSS JOIN box
  WHERE s.layer_id = ANY(%(segment_layers)s) AND s.geom_3857 && box.g3857
  ORDER BY s.id
  LIMIT 600)
UNION ALL
(SELECT 'canal', c.id, c.name, c.level::text, ST_AsBinary(ST_Intersection(c.geom, box.g))
   FROM {canals} AS c CROSS JOIN box
  WHERE c.layer_id = ANY(%(canal_layers)s) AND c.geom_3857 && box.g3857
  ORDER BY c.id
  LIMIT 200)
