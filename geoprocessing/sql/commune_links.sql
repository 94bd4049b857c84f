-- A commune with the units it became (successors) and was made from (predecessors), one step each way.
SELECT 'self' AS rel, u.id, u.code, u.name, u.valid_from, u.valid_to, NULL::date, ''
  FROM {admin_units} AS u WHERE u.id = %(unit)s
UNION ALL
SELECT 'successor', u.id, u.code, u.name, u.valid_from, u.valid_to, s.effective, s.kind
  FROM {successions} AS s JOIN {admin_units} AS u ON u.id = s.successor_id WHERE s.predecessor_id = %(unit)s
UNION ALL
SELECT 'predecessor', u.id, u.code, u.name, u.valid_from, u.valid_to, s.effective, s.kind
  FROM {successions} AS s JOIN {admin_units} AS u ON u.id = s.predecessor_id WHERE s.successor_id = %(unit)s
