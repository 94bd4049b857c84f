-- The plan zones over a parcel: overlap (geodesic m²), controls, land use, and whether the zone's decision was
-- in force on the day asked. A parcel inside its zone (the usual case) skips the intersection.
SELECT z.id, l.id, l.slug, l.title_vi, l.title_en, l.version,
       z.ext_id, z.zone_code, z.plan_level, z.function, z.land_use_code, u.name_vi, u.name_en,
       z.max_density_pct, z.max_floors, z.max_height_m, z.far, z.area_m2,
       CASE WHEN ST_Covers(z.geom_3857, p.geom_3857) THEN p.area_m2
            ELSE ST_Area(ST_Intersection(z.geom, p.geom)::geography) END AS overlap_m2,
       d.id, d.number, d.signed_on, d.authority, d.title, d.plan_level, d.status, d.effective_from, d.effective_to,
       coalesce(d.document, '') <> '' AS has_document,
       (d.id IS NOT NULL AND d.status <> 'draft'
        AND coalesce(d.effective_from, d.signed_on) <= %(as_of)s
        AND (d.effective_to IS NULL OR d.effective_to > %(as_of)s)
        AND NOT (d.status IN ('superseded', 'revoked') AND d.effective_to IS NULL)) AS in_force,
       ST_AsGeoJSON(z.geom, 7)
  FROM {parcels} AS p
  JOIN {zones} AS z ON z.layer_id = ANY(%(zone_layers)s) AND ST_Intersects(z.geom_3857, p.geom_3857)
  JOIN {layers} AS l ON l.id = z.layer_id
  LEFT JOIN {decisions} AS d ON d.id = z.decision_id
  LEFT JOIN {land_use} AS u ON u.code = z.land_use_code
 WHERE p.id = %(parcel)s
 ORDER BY z.plan_level DESC, d.signed_on DESC NULLS LAST, z.id
