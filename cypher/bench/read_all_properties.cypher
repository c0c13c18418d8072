// Every data node's and relationship's label (first) or type with its properties, for
// bench/bench_growth.py to size the stored payload per label (schema bookkeeping left out). Parameters: none.
// Returns: kind ('node'|'relationship'), name, props (map). Read.
MATCH (n)
WHERE NOT (n:Migration OR n:MigrationLock)
RETURN 'node' AS kind, labels(n)[0] AS name, properties(n) AS props
UNION ALL
MATCH ()-[r]->()
RETURN 'relationship' AS kind, type(r) AS name, properties(r) AS props
