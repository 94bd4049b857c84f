-- Planned land use per commune: the zones in force on the day, cut by the outlines of the communes that hold
-- parcels of the layers asked (geodesic m²). A zone inside its commune skips the intersection.
WITH communes AS (
    SELECT DISTINCT p.commune_id AS id FROM {parcels} AS p
     WHERE p.layer_id = ANY(%(parcel_layers)s) AND p.commune_id IS NOT NULL
), zones AS (
    SELECT z.* FROM {zones} AS z JOIN {decisions} AS d ON d.id = z.decision_id
     WHERE z.layer_id = ANY(%(zone_layers)s) AND d.status <> 'draft'
       AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
       AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
       AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)
)
SELECT u.id, u.code, u.name, z.land_use_code, lu.name_vi, count(*) AS zones,
       sum(CASE WHEN ST_Covers(u.geom_3857, z.geom_3857) THEN z.area_m2
                ELSE ST_Area(ST_Intersection(u.geom, z.geom)::geography) END) AS area_m2
  FROM communes JOIN {admin_units} AS u ON u.id = communes.id
  JOIN zones AS z ON ST_Intersects(u.geom_3857, z.geom_3857)
  LEFT JOIN {land_use} AS lu ON lu.code = z.land_use_code
 GROUP BY u.id, u.code, u.name, z.land_use_code, lu.name_vi
 ORDER BY u.name, area_m2 DESC
