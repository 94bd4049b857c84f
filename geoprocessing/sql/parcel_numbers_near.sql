-- Suggestions for a sheet/parcel number that matched nothing: the nearest numbers on the same sheet, then the
-- sheets of the same commune that hold the parcel number asked.
(SELECT 'same_sheet' AS why, p.commune_id, p.sheet_no, p.parcel_no
   FROM {parcels} AS p
  WHERE p.commune_id = ANY(%(communes)s) AND p.sheet_no = ANY(%(sheets)s) AND p.layer_id = ANY(%(layers)s)
  ORDER BY abs(CASE WHEN p.parcel_no ~ '^[0-9]{{1,9}}$' THEN p.parcel_no::bigint END - %(number)s) NULLS LAST,
           p.parcel_no
  LIMIT 5)
UNION ALL
(SELECT DISTINCT ON (p.sheet_no) 'other_sheet', p.commune_id, p.sheet_no, p.parcel_no
   FROM {parcels} AS p
  WHERE p.commune_id = ANY(%(communes)s) AND p.parcel_no = ANY(%(parcels)s) AND p.layer_id = ANY(%(layers)s)
  ORDER BY p.sheet_no
  LIMIT 5)
