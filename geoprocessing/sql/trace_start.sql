-- The start of a trace: the node (or irrigation work) by id or ext_id in the layers asked, and how many
-- lines of its network touch it.
SELECT n.id, n.ext_id, n.network,
       (SELECT count(*) FROM {segments} AS s WHERE s.layer_id = ANY(%(line_layers)s) AND s.network = n.network
           AND (s.from_node_id = n.id OR s.to_node_id = n.id)) AS lines
  FROM {nodes} AS n
 WHERE n.layer_id = ANY(%(point_layers)s) AND (n.ext_id = %(node)s OR n.id::text = %(node)s)
   AND (%(network)s::text IS NULL OR n.network = %(network)s)
 ORDER BY n.id LIMIT 1
