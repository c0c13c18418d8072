// Benchmark clean-up: deletes the classes whose id starts with $prefix, and their rosters (not their
// learners). Parameters: $prefix (string). Returns: deleted (count of classes). Write. Benchmarks only.
MATCH (c:Class)
WHERE c.id STARTS WITH $prefix
DETACH DELETE c
RETURN count(*) AS deleted
