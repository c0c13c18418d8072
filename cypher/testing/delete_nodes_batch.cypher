// Test isolation, a batch at a time: removes up to $limit nodes except the schema bookkeeping, with what
// relationships they still have (none once `delete_relationships_batch` has run to its end). Tests only
// (`tests/empty_graph.py`).
// Parameters: limit. Returns: deleted (count). Write.
MATCH (n)
WHERE NOT (n:Migration OR n:MigrationLock)
WITH n
LIMIT $limit
DETACH DELETE n
RETURN count(*) AS deleted
