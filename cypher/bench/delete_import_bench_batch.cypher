// Import benchmark clean-up: up to $limit nodes of one benchmark curriculum (the curriculum, its
// concepts, tasks and audit entries), nothing else; call until it returns 0.
// Parameters: $curriculum_id, $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (n)
WHERE (n:Curriculum AND n.id = $curriculum_id)
   OR ((n:Concept OR n:Task OR n:AuditEntry OR n:AuditLink) AND n.curriculum_id = $curriculum_id)
WITH n LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
