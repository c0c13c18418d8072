// Benchmark probe for bench/bench_soak_growth.py: the transactions the server runs now, by state (a count
// that climbs across samples would be transactions left open). Parameters: none.
// Returns: status, n. Read.
SHOW TRANSACTIONS YIELD status
RETURN status, count(*) AS n
