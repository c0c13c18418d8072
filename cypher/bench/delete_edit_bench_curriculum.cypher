// Benchmark clean-up: the benchmark's curriculum, its concepts and its audit entries, nothing else.
// Parameters: $curriculum_id. Returns: deleted (count). Write.
MATCH (n)
WHERE (n:Curriculum AND n.id = $curriculum_id) OR (n:Concept AND n.curriculum_id = $curriculum_id)
   OR ((n:AuditEntry OR n:AuditLink) AND n.curriculum_id = $curriculum_id)
DETACH DELETE n
RETURN count(*) AS deleted
