-- Current land use (hiện trạng) per commune: parcels and their geodesic area, by the commune they are registered in.
SELECT u.id, u.code, u.name, p.land_use_code, lu.name_vi, count(*) AS parcels, sum(p.area_m2) AS area_m2
  FROM {parcels} AS p
  LEFT JOIN {admin_units} AS u ON u.id = p.commune_id
  LEFT JOIN {land_use} AS lu ON lu.code = p.land_use_code
 WHERE p.layer_id = ANY(%(parcel_layers)s)
 GROUP BY u.id, u.code, u.name, p.land_use_code, lu.name_vi
 ORDER BY u.name NULLS LAST, area_m2 DESC
