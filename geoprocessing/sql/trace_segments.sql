-- Every segment reachable from a node, stepping from a segment's {follow} to its {reach}: from_node_id to
-- to_node_id walks downstream (the drawn direction), the reverse upstream. UNION keeps each (segment, node)
-- once, so loops end; the LIMIT stops a walk over a whole city.
WITH RECURSIVE walk(segment_id, node_id) AS (
    SELECT NULL::bigint, %(start)s::bigint
    UNION
    SELECT s.id, s.{reach}
      FROM walk AS w
      JOIN {segments} AS s
        ON s.{follow} = w.node_id
     WHERE s.layer_id = ANY(%(layers)s) AND s.network = %(network)s
)
SELECT s.id, s.ext_id, s.from_node_id, s.to_node_id, s.diameter_mm, s.depth_m, s.length_m, ST_AsBinary(s.geom)
  FROM (SELECT DISTINCT segment_id FROM (SELECT segment_id FROM walk WHERE segment_id IS NOT NULL
                                         LIMIT %(limit)s) AS w) AS w
  JOIN {segments} AS s ON s.id = w.segment_id
 ORDER BY s.id
