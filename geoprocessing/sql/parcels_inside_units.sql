-- Which of these parcels lie inside the outline of one of these communes: asked only when numbers match in
-- several communes linked to the one named, none of them that commune itself.
SELECT p.id
  FROM {parcels} AS p
 WHERE p.id = ANY(%(ids)s)
   AND EXISTS (SELECT 1 FROM {admin_units} AS u
                WHERE u.id = ANY(%(units)s) AND u.geom && p.geom AND ST_Covers(u.geom, ST_PointOnSurface(p.geom)))
