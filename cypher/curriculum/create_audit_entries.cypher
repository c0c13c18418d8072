// Appends audit entries; always run in the same transaction as the change it records.
// Parameters: $entries (list of maps: id, actor, action, entity_type, entity_id, curriculum_id, old, new,
// and for prerequisite edges prerequisite and concept; old/new are JSON text or null).
// Returns: written (count). Write.
UNWIND $entries AS entry
CREATE (a:AuditEntry)
SET a = entry, a.at = datetime()
RETURN count(a) AS written
