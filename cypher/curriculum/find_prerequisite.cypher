// The prerequisite edge between two concepts, if any. Parameters: $prerequisite, $concept.
// Returns: prerequisite, concept, weight, created_at (no row when there is no such edge). Read.
MATCH (p:Concept {id: $prerequisite})-[r:PREREQUISITE_OF]->(c:Concept {id: $concept})
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight, r.created_at AS created_at
