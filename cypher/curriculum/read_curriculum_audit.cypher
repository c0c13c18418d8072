// A curriculum's audit trail (every entity in it), newest first. Parameters: $curriculum_id, $offset,
// $limit, and the filters ($actor, $action, $entity_type: null for any; $since, $before: bounds on
// `at`, since <= at < before, always given, so the read is a range seek of the audit_curriculum_at index).
// Returns: total (count of the filtered trail), items (list of entry maps; an edge's with its ends). Read.
MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
WHERE a.at >= $since AND a.at < $before
  AND ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action = $action)
  AND ($entity_type IS NULL OR a.entity_type = $entity_type)
WITH a ORDER BY a.at DESC, a.id
WITH collect(a) AS entries
RETURN size(entries) AS total,
       [a IN entries[$offset..($offset + $limit)] |
        a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite,
           .concept}] AS items
