// Benchmark clean-up (bench/bench_trail_pages.py): up to $limit key and roster audit entries whose key id
// or class id starts with $prefix, and curriculum audit entries, their AuditLinks and curricula whose
// curriculum id does, nothing else; call until it returns 0.
// Parameters: $prefix (string), $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (n)
WHERE (n:KeyChange AND n.key_id STARTS WITH $prefix) OR (n:RosterChange AND n.class_id STARTS WITH $prefix)
   OR (n:AuditEntry AND n.curriculum_id STARTS WITH $prefix) OR (n:Curriculum AND n.id STARTS WITH $prefix)
   OR (n:AuditLink AND n.curriculum_id STARTS WITH $prefix)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
