// A concept's audit trail, newest first: its own entries, those of prerequisite edges touching it, and
// those that moved its version otherwise (a task's create, edit or delete, an import creating a task or an
// edge: their AuditLink to it, create_audit_entries), so every ETag move of the concept has its entry here.
// Parameters: $id, $offset, $limit, and the filters ($actor, $action, $entity_type: null for any;
// $since, $before: bounds on `at`, since <= at < before, always given).
// Returns: total (count of the filtered trail), items (list of entry maps; an edge's with its ends). Read.
CALL () {
  MATCH (a:AuditEntry {entity_id: $id}) WHERE a.entity_type = 'concept' RETURN a
  UNION
  MATCH (a:AuditEntry {prerequisite: $id}) RETURN a
  UNION
  MATCH (a:AuditEntry {concept: $id}) RETURN a
  UNION
  MATCH (:AuditLink {concept: $id})-[:EXPLAINS]->(a:AuditEntry) RETURN a
}
WITH a
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
