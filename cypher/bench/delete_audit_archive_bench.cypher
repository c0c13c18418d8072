// Archive benchmark clean-up: up to $limit of one benchmark curriculum's audit entries, then its
// AuditArchive note and the curriculum itself; call until it returns 0.
// Parameters: $curriculum_id, $limit (int). Returns: deleted (count). Write. Benchmarks only.
CALL () {
  MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
  WITH a LIMIT $limit
  DETACH DELETE a
  RETURN count(*) AS entries
}
CALL (entries) {
  OPTIONAL MATCH (n)
  WHERE entries = 0 AND ((n:AuditArchive AND n.curriculum_id = $curriculum_id)
                         OR (n:Curriculum AND n.id = $curriculum_id))
  DETACH DELETE n
  RETURN count(n) AS others
}
RETURN entries + others AS deleted
