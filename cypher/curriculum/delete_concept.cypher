// Deletes a concept with its relationships (prerequisite edges, task links, curriculum membership).
// Parameters: $id. Returns: deleted (count). Write.
MATCH (c:Concept {id: $id})
DETACH DELETE c
RETURN count(*) AS deleted
