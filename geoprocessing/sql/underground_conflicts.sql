-- Segments that run under parcels planned for building (a zone in force whose controls allow at least
-- %(min_density)s %% coverage) for more than a metre, or lie shallower than %(shallow_m)s m.
WITH building AS (
    SELECT z.id, z.geom_3857 FROM {zones} AS z JOIN {decisions} AS d ON d.id = z.decision_id
     WHERE z.layer_id = ANY(%(zone_layers)s) AND z.max_floors >= 1 AND z.max_density_pct >= %(min_density)s
       AND d.status <> 'draft' AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
       AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
       AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)
)
SELECT s.id, s.ext_id, s.network, s.depth_m, s.diameter_mm, s.material, s.length_m,
       (s.depth_m IS NOT NULL AND s.depth_m < %(shallow_m)s) AS shallow,
       under.parcels, under.ext_ids, under.length_m, ST_AsBinary(s.geom)
  FROM {segments} AS s
  LEFT JOIN LATERAL (
      SELECT count(*) AS parcels, (array_agg(p.ext_id ORDER BY p.ext_id))[1:10] AS ext_ids,
             sum(ST_Length(ST_Intersection(p.geom, s.geom)::geography)) AS length_m
        FROM {parcels} AS p
       WHERE p.layer_id = ANY(%(parcel_layers)s) AND ST_Intersects(p.geom_3857, s.geom_3857)
         AND EXISTS (SELECT 1 FROM building AS b WHERE ST_Intersects(b.geom_3857, ST_PointOnSurface(p.geom_3857)))
         AND ST_Length(ST_Intersection(p.geom, s.geom)::geography) > 1.0
  ) AS under ON true
 WHERE s.layer_id = ANY(%(segment_layers)s)
   AND (%(networks)s::text[] IS NULL OR s.network = ANY(%(networks)s))
   AND (%(within)s::bytea IS NULL
        OR ST_Intersects(s.geom_3857, ST_Transform(ST_GeomFromWKB(%(within)s, 4326), 3857)))
   AND ((s.depth_m IS NOT NULL AND s.depth_m < %(shallow_m)s) OR under.parcels > 0)
 ORDER BY under.parcels DESC NULLS LAST, s.depth_m NULLS LAST, s.id
 LIMIT %(limit)s
