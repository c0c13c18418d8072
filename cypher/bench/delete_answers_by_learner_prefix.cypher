// Benchmark clean-up: deletes up to $limit answers of learners whose id starts with $prefix (call until it
// returns 0), so a learner with 100,000 answers is removed in small transactions before its node.
// Parameters: $prefix (string), $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (a:Answer)
WHERE a.learner_id STARTS WITH $prefix
WITH a LIMIT $limit
DETACH DELETE a
RETURN count(*) AS deleted
