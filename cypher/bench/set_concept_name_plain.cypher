// Benchmark baseline: the bare property write an edit boils down to, with no checks or audit.
// Parameters: $id, $name. Returns: id. Write.
MATCH (c:Concept {id: $id})
SET c.name = $name
RETURN c.id AS id
