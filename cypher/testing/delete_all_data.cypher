// Test isolation: removes every node except the schema bookkeeping. Tests only.
// Parameters: none. Returns: deleted (count). Write.
MATCH (n)
WHERE NOT (n:Migration OR n:MigrationLock)
DETACH DELETE n
RETURN count(*) AS deleted
