// Benchmark clean-up: deletes up to $limit learners with their relationships (call until it returns 0).
// Parameters: $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (l:Learner)
WITH l LIMIT $limit
DETACH DELETE l
RETURN count(*) AS deleted
