// A concept's audit trail, newest first: its own entries and those of prerequisite edges touching it.
// Parameters: $id, $offset, $limit. Returns: total (count), items (list of entry maps). Read.
CALL () {
  MATCH (a:AuditEntry {entity_id: $id}) WHERE a.entity_type = 'concept' RETURN a
  UNION
  MATCH (a:AuditEntry {prerequisite: $id}) RETURN a
  UNION
  MATCH (a:AuditEntry {concept: $id}) RETURN a
}
WITH a ORDER BY a.at DESC, a.id
WITH collect(a) AS entries
RETURN size(entries) AS total,
       [a IN entries[$offset..($offset + $limit)] |
        a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new}] AS items
