-- Parcels by commune, map sheet and parcel number (index parcel_commune_sheet_no).
SELECT p.id, p.commune_id
  FROM {parcels} AS p
 WHERE p.commune_id = ANY(%(communes)s)
   AND p.sheet_no = ANY(%(sheets)s)
   AND p.parcel_no = ANY(%(parcels)s)
   AND p.layer_id = ANY(%(layers)s)
 ORDER BY p.layer_id, p.id
 LIMIT 20
