-- Within %(distance)s metres of the parcel (geodesic): per underground network its nearest segment and how many
-- there are; canals and irrigation works, nearest first (at most 20). The Web Mercator prefilter widens the
-- distance by 1/cos(latitude), the projection's scale there.
WITH p AS (
    SELECT geom, geom_3857, %(distance)s * 1.01 / cos(radians(ST_Y(ST_Centroid(geom)))) AS reach
      FROM {parcels} WHERE id = %(parcel)s
)
(SELECT DISTINCT ON (s.network)
        'segment' AS what, s.network, s.id, s.ext_id, NULL::text AS name, NULL::integer AS level,
        s.diameter_mm::float8 AS size, s.section AS text1, s.depth_m AS number1, s.material AS text2,
        s.condition AS text3, l.id AS layer_id, l.slug, l.title_vi, l.title_en, l.version,
        ST_Distance(s.geom::geography, p.geom::geography) AS distance_m,
        count(*) OVER (PARTITION BY s.network) AS within
   FROM p JOIN {segments} AS s
     ON s.layer_id = ANY(%(segment_layers)s) AND ST_DWithin(s.geom_3857, p.geom_3857, p.reach)
    AND ST_DWithin(s.geom::geography, p.geom::geography, %(distance)s)
   JOIN {layers} AS l ON l.id = s.layer_id
  ORDER BY s.network, distance_m, s.id)
UNION ALL
(SELECT 'canal', NULL, c.id, c.ext_id, c.name, c.level, c.capacity_m3s, c.lining, NULL::float8, NULL, NULL,
        l.id, l.slug, l.title_vi, l.title_en, l.version, ST_Distance(c.geom::geography, p.geom::geography), 1
   FROM p JOIN {canals} AS c
     ON c.layer_id = ANY(%(canal_layers)s) AND ST_DWithin(c.geom_3857, p.geom_3857, p.reach)
    AND ST_DWithin(c.geom::geography, p.geom::geography, %(distance)s)
   JOIN {layers} AS l ON l.id = c.layer_id
 UNION ALL
 SELECT 'work', NULL, w.id, w.ext_id, w.name, NULL, w.capacity_m3h, w.kind, NULL::float8, w.status, NULL,
        l.id, l.slug, l.title_vi, l.title_en, l.version, ST_Distance(w.geom::geography, p.geom::geography), 1
   FROM p JOIN {works} AS w
     ON w.layer_id = ANY(%(work_layers)s) AND ST_DWithin(w.geom_3857, p.geom_3857, p.reach)
    AND ST_DWithin(w.geom::geography, p.geom::geography, %(distance)s)
   JOIN {layers} AS l ON l.id = w.layer_id
 ORDER BY 17
 LIMIT 20)
