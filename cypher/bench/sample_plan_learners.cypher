// Benchmark fixture check for bench/bench_plans.py: the mastery edges and goals per learner among the
// first 100 learners with the prefix, to tell whether they were loaded with this run's parameters.
// Parameters: $prefix (string). Returns: mastery (float, mean), goals (float, mean); nulls when none. Read.
MATCH (l:Learner)
WHERE l.id STARTS WITH $prefix
WITH l LIMIT 100
RETURN avg(COUNT { (l)-[:MASTERY]->() }) AS mastery, avg(COUNT { (l)-[:HAS_GOAL]->() }) AS goals
