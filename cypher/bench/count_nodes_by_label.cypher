// Benchmark probe for bench/bench_soak_growth.py: nodes per label, so that a soak shows which kinds grow
// (answers, learners: meant to) and which are meant to be pruned (job summaries, plans). Parameters: none.
// Returns: name, n. Read.
MATCH (n)
UNWIND labels(n) AS name
RETURN name, count(*) AS n
