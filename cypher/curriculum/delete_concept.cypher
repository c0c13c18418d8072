// Deletes a concept with its relationships (prerequisite edges, task links, curriculum membership), and
// keeps its last version as a RetiredId, from which a concept created again with its id continues.
// Parameters: $id. Returns: deleted (count). Write.
MATCH (c:Concept {id: $id})
MERGE (r:RetiredId {key: 'concept:' + c.id})
SET r.version = c.version
DETACH DELETE c
RETURN count(*) AS deleted
