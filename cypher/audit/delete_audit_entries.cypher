// Deletes archived audit entries by id, with the AuditLinks that pointed at them (a concept's trail
// follows those: a link left behind would point at nothing), and only entries older than $before, so an
// entry written while the archive ran is never deleted. Run with audit/record_audit_archive in one
// transaction. Parameters: $ids (list of entry ids), $before (datetime).
// Returns: curriculum_id, deleted (count), one row per curriculum. Write.
UNWIND $ids AS id
MATCH (a:AuditEntry {id: id})
WHERE a.at < $before AND a.curriculum_id IS NOT NULL
WITH a, a.curriculum_id AS curriculum_id
CALL (a) {
  OPTIONAL MATCH (l:AuditLink)-[:EXPLAINS]->(a)
  DETACH DELETE l
}
DETACH DELETE a
RETURN curriculum_id, count(*) AS deleted
