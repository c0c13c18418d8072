// Archive benchmark baseline (bench/bench_audit_archive.py): what an operator would run without the
// archive, a plain delete of a curriculum's entries older than $before, $limit at a time (call until 0).
// Parameters: $curriculum_id, $before (datetime), $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
WHERE a.at < $before
WITH a LIMIT $limit
DETACH DELETE a
RETURN count(*) AS deleted
