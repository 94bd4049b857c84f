-- One parcel's public columns, named one by one: the holder columns are never selected.
SELECT p.id, l.id, l.slug, l.title_vi, l.title_en, l.version,
       p.ext_id, p.commune_id, p.sheet_no, p.parcel_no, p.legal_area_m2, p.area_m2,
       p.land_use_code, u.name_vi, u.name_en, p.address,
       ST_X(s.inside), ST_Y(s.inside),
       ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom),
       ST_AsGeoJSON(p.geom, 7)
  FROM {parcels} AS p
  JOIN {layers} AS l ON l.id = p.layer_id
  LEFT JOIN {land_use} AS u ON u.code = p.land_use_code
 CROSS JOIN LATERAL (SELECT ST_PointOnSurface(p.geom) AS inside) AS s
 WHERE p.id = %(parcel)s
