// Benchmark clean-up: deletes up to $limit answers (call until it returns 0), keeping transactions small.
// Parameters: $limit (int). Returns: deleted (count). Write. Benchmarks only.
MATCH (a:Answer)
WITH a LIMIT $limit
DETACH DELETE a
RETURN count(*) AS deleted
