// Test isolation, a batch at a time: removes up to $limit relationships not touching the schema
// bookkeeping. Tests only (`tests/empty_graph.py`, which repeats it until none is left: one transaction for
// every relationship of a benchmark-sized graph ran out of a 1 GiB heap).
// Parameters: limit. Returns: deleted (count). Write.
MATCH (a)-[r]->(b)
WHERE NOT (a:Migration OR a:MigrationLock OR b:Migration OR b:MigrationLock)
WITH r
LIMIT $limit
DELETE r
RETURN count(*) AS deleted
