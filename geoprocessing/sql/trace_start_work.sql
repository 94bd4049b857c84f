SELECT w.id, w.ext_id, 'irrigation',
       (SELECT count(*) FROM {canals} AS c WHERE c.layer_id = ANY(%(line_layers)s)
           AND (c.from_work_id = w.id OR c.to_work_id = w.id)) AS lines
  FROM {works} AS w
 WHERE w.layer_id = ANY(%(point_layers)s) AND (w.ext_id = %(node)s OR w.id::text = %(node)s)
 ORDER BY w.id LIMIT 1
