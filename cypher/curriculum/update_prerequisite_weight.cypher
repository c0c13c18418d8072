// Sets the weight of the edge $prerequisite -> $concept. Run after lock_concepts and the ETag check in
// the same transaction. Parameters: $prerequisite, $concept, $weight.
// Returns: prerequisite, concept, weight, created_at (no row when there is no such edge). Write.
MATCH (p:Concept {id: $prerequisite})-[r:PREREQUISITE_OF]->(c:Concept {id: $concept})
SET r.weight = $weight
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight, r.created_at AS created_at
