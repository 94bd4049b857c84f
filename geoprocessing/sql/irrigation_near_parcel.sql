-- Canals and irrigation works within %(distance)s metres of the parcel, nearest first (at most 20).
(SELECT 'canal' AS kind, c.id, c.ext_id, c.name, c.level, NULL::text AS work_kind, c.lining, c.capacity_m3s,
        l.id, l.slug, l.title_vi, l.title_en, l.version,
        ST_Distance(c.geom::geography, p.geom::geography) AS distance_m
   FROM {parcels} AS p
   JOIN {canals} AS c
     ON c.layer_id = ANY(%(canal_layers)s)
    AND ST_DWithin(c.geom_3857, p.geom_3857, %(distance)s * 1.01 / cos(radians(ST_Y(ST_Centroid(p.geom)))))
    AND ST_DWithin(c.geom::geography, p.geom::geography, %(distance)s)
   JOIN {layers} AS l ON l.id = c.layer_id
  WHERE p.id = %(parcel)s)
UNION ALL
(SELECT 'work', w.id, w.ext_id, w.name, NULL::integer, w.kind, w.status, w.capacity_m3h,
        l.id, l.slug, l.title_vi, l.title_en, l.version,
        ST_Distance(w.geom::geography, p.geom::geography)
   FROM {parcels} AS p
   JOIN {works} AS w
     ON w.layer_id = ANY(%(work_layers)s)
    AND ST_DWithin(w.geom_3857, p.geom_3857, %(distance)s * 1.01 / cos(radians(ST_Y(ST_Centroid(p.geom)))))
    AND ST_DWithin(w.geom::geography, p.geom::geography, %(distance)s)
   JOIN {layers} AS l ON l.id = w.layer_id
  WHERE p.id = %(parcel)s)
ORDER BY distance_m
LIMIT 20
