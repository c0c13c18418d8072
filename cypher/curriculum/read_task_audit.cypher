// A task's audit trail, newest first. Parameters: $id, $offset, $limit.
// Returns: total (count), items (list of entry maps). Read.
MATCH (a:AuditEntry {entity_id: $id})
WHERE a.entity_type = 'task'
WITH a ORDER BY a.at DESC, a.id
WITH collect(a) AS entries
RETURN size(entries) AS total,
       [a IN entries[$offset..($offset + $limit)] |
        a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new}] AS items
