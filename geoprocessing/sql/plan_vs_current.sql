-- Parcels whose current land use differs from the planned use of the zone holding them (the zone in force on
-- the day that contains the parcel's inner point; the finest plan when several do).
WITH differing AS (
    SELECT p.id, p.ext_id, p.sheet_no, p.parcel_no, p.area_m2, p.land_use_code AS current,
           z.land_use_code AS planned, z.zone_code, z.number, p.geom
      FROM {parcels} AS p
      CROSS JOIN LATERAL (
          SELECT z.land_use_code, z.zone_code, d.number
            FROM {zones} AS z JOIN {decisions} AS d ON d.id = z.decision_id
           WHERE z.layer_id = ANY(%(zone_layers)s) AND ST_Intersects(z.geom_3857, ST_PointOnSurface(p.geom_3857))
             AND d.status <> 'draft' AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
             AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
             AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)
           ORDER BY z.plan_level DESC, d.signed_on DESC, z.id
           LIMIT 1) AS z
     WHERE p.layer_id = ANY(%(parcel_layers)s)
       AND (%(within)s::bytea IS NULL
            OR ST_Intersects(p.geom_3857, ST_Transform(ST_GeomFromWKB(%(within)s, 4326), 3857)))
       AND p.land_use_code IS DISTINCT FROM z.land_use_code
)
SELECT 'summary' AS part, NULL::bigint AS id, NULL AS ext_id, NULL AS sheet_no, NULL AS parcel_no,
       sum(area_m2) AS area_m2, current, planned, NULL AS zone_code, NULL AS number, count(*) AS parcels,
       NULL::bytea AS geom
  FROM differing GROUP BY current, planned
UNION ALL
(SELECT 'parcel', id, ext_id, sheet_no, parcel_no, area_m2, current, planned, zone_code, number, NULL,
        ST_AsBinary(geom)
   FROM differing ORDER BY id LIMIT %(limit)s)
