-- Communes for a search box: name (ASCII, any case) containing the text, or code; any period, newest first.
SELECT u.id, u.code, u.gso_code, u.name, u.valid_from, u.valid_to, d.name
  FROM {admin_units} AS u
  LEFT JOIN {admin_units} AS d ON d.id = u.parent_id
 WHERE u.level = 'commune'
   AND (lower(u.name_ascii) LIKE %(like)s OR u.code = %(text)s OR u.gso_code = %(text)s)
   AND (%(province_ids)s::bigint[] IS NULL OR u.id IN (
        SELECT c.id FROM {admin_units} AS c JOIN {admin_units} AS p ON p.id = ANY(%(province_ids)s)
         WHERE c.level = 'commune' AND c.geom_3857 && p.geom_3857
           AND ST_Covers(p.geom, ST_PointOnSurface(c.geom))))
 ORDER BY u.valid_to DESC NULLS FIRST, u.name, u.id
 LIMIT %(limit)s
