-- Every incident of the area received before the period's end, as it stood at that end: its status and agency
-- from the last event before it (the history is append-only, so the answer never changes), the period's last
-- resolution, and whether it had been merged into another report by then.
SELECT i.id, i.channel, c.code AS category, c.name_vi AS category_name, i.commune_id,
       coalesce(cu.name, '') AS commune_name, i.created_at, i.deadline, ev.status_at_end, ev.agency_at_end,
       coalesce(o.name, '') AS agency_name, ev.resolved_at,
       coalesce(i.extra ->> %(camera_key)s, '') AS camera, coalesce(i.extra ->> %(violation_key)s, '') AS violation,
       ST_X(ST_Transform(i.geom, %(metric_srid)s)) AS x, ST_Y(ST_Transform(i.geom, %(metric_srid)s)) AS y
FROM {incidents} i
JOIN {categories} c ON c.id = i.category_id
LEFT JOIN {admin_units} cu ON cu.id = i.commune_id
CROSS JOIN LATERAL (
    SELECT (array_agg(e.to_status ORDER BY e.at DESC, e.id DESC))[1] AS status_at_end,
           (array_agg(e.agency_id ORDER BY e.at DESC, e.id DESC)
                FILTER (WHERE e.kind IN ('assigned', 'reassigned')))[1] AS agency_at_end,
           max(e.at) FILTER (WHERE e.kind = 'resolved' AND e.at >= %(start)s) AS resolved_at,
           coalesce(bool_or(e.kind = 'merged'), false) AS merged
    FROM {events} e
    WHERE e.incident_id = i.id AND e.at < %(end)s
) ev
LEFT JOIN {org_units} o ON o.id = ev.agency_at_end
WHERE i.{area_column} = ANY(%(areas)s) AND i.created_at < %(end)s AND NOT ev.merged
