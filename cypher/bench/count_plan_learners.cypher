// Benchmark fixture check for bench/bench_plans.py: how many learners have ids with the prefix.
// Parameters: $prefix (string). Returns: learners (count). Read.
MATCH (l:Learner)
WHERE l.id STARTS WITH $prefix
RETURN count(l) AS learners
