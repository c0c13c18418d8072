// A task's audit trail, newest first. Parameters: $id, $offset, $limit, and the filters ($actor, $action,
// $entity_type: null for any; $since, $before: bounds on `at`, since <= at < before, always given).
// Returns: total (count of the filtered trail), items (list of entry maps; an edge's with its ends). Read.
MATCH (a:AuditEntry {entity_id: $id})
WHERE a.entity_type = 'task'
  AND a.at >= $since AND a.at < $before
  AND ($actor IS NULL OR a.actor = $actor)
  AND ($action IS NULL OR a.action = $action)
  AND ($entity_type IS NULL OR a.entity_type = $entity_type)
WITH a ORDER BY a.at DESC, a.id
WITH collect(a) AS entries
RETURN size(entries) AS total,
       [a IN entries[$offset..($offset + $limit)] |
        a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite,
           .concept}] AS items
