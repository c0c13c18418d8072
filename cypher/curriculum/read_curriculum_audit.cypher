// A curriculum's audit trail (every entity in it), newest first. Parameters: $curriculum_id, $offset,
// $limit. Returns: total (count), items (list of entry maps). Read.
MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
WITH a ORDER BY a.at DESC, a.id
WITH collect(a) AS entries
RETURN size(entries) AS total,
       [a IN entries[$offset..($offset + $limit)] |
        a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new}] AS items
