// Test checks that a refused request changed nothing at all: every data node's labels and properties,
// and every relationship's type, properties and ends (schema bookkeeping left out). Only for the small
// graphs of tests: it returns the whole graph.
// Parameters: none. Returns: kind ('node'|'relationship'), item (a list: labels or type, properties,
// and a relationship's two end ids). Read.
MATCH (n)
WHERE NOT (n:Migration OR n:MigrationLock)
RETURN 'node' AS kind, [elementId(n), labels(n), properties(n)] AS item
UNION ALL
MATCH (a)-[r]->(b)
RETURN 'relationship' AS kind, [elementId(r), type(r), properties(r), elementId(a), elementId(b)] AS item
