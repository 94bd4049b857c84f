-- The parcel under a point, through the Web Mercator index. A point on a shared edge touches two: the first wins.
SELECT p.id
  FROM {parcels} AS p
 WHERE p.layer_id = ANY(%(layers)s)
   AND ST_Intersects(p.geom_3857, ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 3857))
 ORDER BY p.layer_id, p.id
 LIMIT 1
