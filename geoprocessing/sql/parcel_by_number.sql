-- Parcels by commune, map sheet and parcel number (index parcel_commune_sheet_no), with whether each lies in
-- the outline of a commune named directly: a 2025 ward's parcel inside the 2009 ward asked for is that ward's.
SELECT p.id, p.commune_id,
       EXISTS (SELECT 1 FROM {admin_units} AS u
                WHERE u.id = ANY(%(direct)s) AND ST_Covers(u.geom, ST_PointOnSurface(p.geom))) AS inside_direct
  FROM {parcels} AS p
 WHERE p.commune_id = ANY(%(communes)s)
   AND p.sheet_no = ANY(%(sheets)s)
   AND p.parcel_no = ANY(%(parcels)s)
   AND p.layer_id = ANY(%(layers)s)
 ORDER BY p.layer_id, p.id
 LIMIT 20
