// Test checks that an operation wrote nothing: data nodes per label (schema bookkeeping left out),
// and relationships per type. Parameters: none. Returns: kind ('node'|'relationship'), name, n. Read.
MATCH (n)
WHERE NOT (n:Migration OR n:MigrationLock)
UNWIND labels(n) AS name
RETURN 'node' AS kind, name, count(*) AS n
UNION ALL
MATCH ()-[r]->()
RETURN 'relationship' AS kind, type(r) AS name, count(*) AS n
