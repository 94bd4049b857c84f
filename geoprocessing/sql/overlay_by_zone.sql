-- Current land use inside each plan zone in force on the day: parcels cut by the zone (geodesic m²); a parcel
-- inside the zone (nearly all) skips the intersection.
SELECT z.id, z.zone_code, z.land_use_code AS planned, d.number, p.land_use_code AS current, count(*) AS parcels,
       sum(CASE WHEN ST_Covers(z.geom_3857, p.geom_3857) THEN p.area_m2
                ELSE ST_Area(ST_Intersection(z.geom, p.geom)::geography) END) AS area_m2
  FROM {zones} AS z
  JOIN {decisions} AS d ON d.id = z.decision_id
  JOIN {parcels} AS p ON p.layer_id = ANY(%(parcel_layers)s) AND ST_Intersects(z.geom_3857, p.geom_3857)
 WHERE z.layer_id = ANY(%(zone_layers)s) AND d.status <> 'draft'
   AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
   AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
   AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)
   AND (%(within)s::bytea IS NULL OR ST_Intersects(z.geom_3857, ST_Transform(ST_GeomFromWKB(%(within)s, 4326), 3857)))
 GROUP BY z.id, z.zone_code, z.land_use_code, d.number, p.land_use_code
 ORDER BY z.zone_code, z.id, area_m2 DESC
