-- One parcel's public columns, named one by one (the holder columns are never selected), with its commune,
-- the units that commune became and the units it was made from (JSON arrays, one step each way).
SELECT p.id, l.id, l.slug, l.title_vi, l.title_en, l.version,
       p.ext_id, p.commune_id, p.sheet_no, p.parcel_no, p.legal_area_m2, p.area_m2,
       p.land_use_code, u.name_vi, u.name_en, p.address,
       ST_X(s.inside), ST_Y(s.inside),
       ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom),
       ST_AsGeoJSON(p.geom, 7),
       c.code, c.name, c.valid_from, c.valid_to,
       (SELECT coalesce(json_agg(json_build_array(n.id, n.code, n.name, n.valid_from, n.valid_to, x.effective, x.kind)
                                 ORDER BY x.effective, n.id), '[]')
          FROM {successions} AS x JOIN {admin_units} AS n ON n.id = x.successor_id
         WHERE x.predecessor_id = p.commune_id) AS successors,
       (SELECT coalesce(json_agg(json_build_array(n.id, n.code, n.name, n.valid_from, n.valid_to, x.effective, x.kind)
                                 ORDER BY x.effective, n.id), '[]')
          FROM {successions} AS x JOIN {admin_units} AS n ON n.id = x.predecessor_id
         WHERE x.successor_id = p.commune_id) AS predecessors
  FROM {parcels} AS p
  JOIN {layers} AS l ON l.id = p.layer_id
  LEFT JOIN {land_use} AS u ON u.code = p.land_use_code
  LEFT JOIN {admin_units} AS c ON c.id = p.commune_id
 CROSS JOIN LATERAL (SELECT ST_PointOnSurface(p.geom) AS inside) AS s
 WHERE p.id = %(parcel)s
