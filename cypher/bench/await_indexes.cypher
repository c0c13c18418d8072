// Waits until every index is online (a new one is populated from the existing nodes in the background).
// Parameters: $seconds (int, the most to wait; fails after it). Returns nothing. Benchmarks only.
CALL db.awaitIndexes($seconds)
