-- The nearest parcel to a point that hit none (nearest-neighbour on the index), with its geodesic distance.
SELECT p.id, p.sheet_no, p.parcel_no,
       ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)::geography) AS distance_m
  FROM {parcels} AS p
 WHERE p.layer_id = ANY(%(layers)s)
 ORDER BY p.geom_3857 <-> ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 3857)
 LIMIT 1
