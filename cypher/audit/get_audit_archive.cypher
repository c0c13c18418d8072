// What was archived of a trail's curricula (audit/record_audit_archive), for an audit route's answer: the
// latest `before` among them, when the last archive ran and how many entries those archives hold. The
// curricula: $curriculum_ids (the route's curriculum, or those of the entries listed) and that of the
// concept or task named, when it exists.
// Parameters: $curriculum_ids (list), $concept_id, $task_id (null when not asked). Returns one row: before,
// archived_at (datetimes; null when none was archived), entries (int). Read.
OPTIONAL MATCH (c:Concept {id: $concept_id})
OPTIONAL MATCH (t:Task {id: $task_id})
WITH $curriculum_ids + [id IN [c.curriculum_id, t.curriculum_id] WHERE id IS NOT NULL] AS ids
OPTIONAL MATCH (x:AuditArchive)
WHERE x.curriculum_id IN ids
RETURN max(x.before) AS before, max(x.archived_at) AS archived_at, sum(coalesce(x.entries, 0)) AS entries
