-- Canal reaches reachable from an irrigation work, stepping from a reach's {follow} to its {reach}
-- (from_work_id to to_work_id: downstream, as canals are drawn).
WITH RECURSIVE walk(canal_id, work_id) AS (
    SELECT NULL::bigint, %(start)s::bigint
    UNION
    SELECT c.id, c.{reach}
      FROM walk AS w
      JOIN {canals} AS c
        ON c.{follow} = w.work_id
     WHERE c.layer_id = ANY(%(layers)s)
)
SELECT c.id, c.ext_id, c.from_work_id, c.to_work_id, c.name, c.level, c.length_m, ST_AsBinary(c.geom)
  FROM (SELECT DISTINCT canal_id FROM (SELECT canal_id FROM walk WHERE canal_id IS NOT NULL
                                       LIMIT %(limit)s) AS w) AS w
  JOIN {canals} AS c ON c.id = w.canal_id
 ORDER BY c.id
