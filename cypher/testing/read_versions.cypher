// Test checks that a re-import changed nothing: every concept's and task's version and updated_at.
// Parameters: none. Returns: id, version, updated_at. Read.
MATCH (n)
WHERE n:Concept OR n:Task
RETURN n.id AS id, n.version AS version, n.updated_at AS updated_at
ORDER BY id
