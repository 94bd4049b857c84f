-- Asked only when no parcel answers a point: the province outline is large, and a hit needs no check.
SELECT EXISTS (
    SELECT 1 FROM {admin_units}
     WHERE id = ANY(%(province_ids)s)
       AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)))
