-- Communes of any period whose code, GSO code or name (without its Phường/Xã/Thị trấn prefix) is the one asked.
SELECT u.id
  FROM {admin_units} AS u
 WHERE u.level = 'commune'
   AND (u.code = %(text)s OR u.gso_code = %(text)s OR lower(u.name_ascii) = ANY(%(names)s))
 ORDER BY u.valid_from DESC NULLS LAST, u.id
 LIMIT 50
