-- The communes given, the units they became (forward, however many steps) and the units they were made from
-- (backward): a 2009 ward finds the 2025 ward it merged into; the 2025 ward finds every 2009 ward merged into it.
-- Never forward then backward: the wards a 2009 ward merged with number their sheets on their own.
WITH RECURSIVE forward(id) AS (
    SELECT unnest(%(ids)s::bigint[])
    UNION
    SELECT s.successor_id FROM {successions} AS s JOIN forward AS f ON s.predecessor_id = f.id
), backward(id) AS (
    SELECT unnest(%(ids)s::bigint[])
    UNION
    SELECT s.predecessor_id FROM {successions} AS s JOIN backward AS b ON s.successor_id = b.id
)
SELECT u.id, u.code, u.name, u.valid_from, u.valid_to
  FROM (SELECT id FROM forward UNION SELECT id FROM backward) AS linked
  JOIN {admin_units} AS u ON u.id = linked.id
 WHERE u.level = 'commune'
