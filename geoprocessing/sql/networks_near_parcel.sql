-- Per network, the nearest segment within %(distance)s metres of the parcel (geodesic), and how many there are.
-- The Web Mercator prefilter widens the distance by 1/cos(latitude), the scale of the projection there.
SELECT DISTINCT ON (s.network)
       s.network, s.id, s.ext_id, s.diameter_mm, s.section, s.depth_m, s.material, s.condition,
       l.id, l.slug, l.title_vi, l.title_en, l.version,
       ST_Distance(s.geom::geography, p.geom::geography) AS distance_m,
       count(*) OVER (PARTITION BY s.network) AS within
  FROM {parcels} AS p
  JOIN {segments} AS s
    ON s.layer_id = ANY(%(segment_layers)s)
   AND ST_DWithin(s.geom_3857, p.geom_3857, %(distance)s * 1.01 / cos(radians(ST_Y(ST_Centroid(p.geom)))))
   AND ST_DWithin(s.geom::geography, p.geom::geography, %(distance)s)
  JOIN {layers} AS l ON l.id = s.layer_id
 WHERE p.id = %(parcel)s
 ORDER BY s.network, distance_m, s.id
