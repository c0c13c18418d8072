// Creates the edge "learn $prerequisite before $concept". Run after lock_concepts and the duplicate
// and cycle checks in the same transaction. Parameters: $prerequisite, $concept, $weight.
// Returns: prerequisite, concept, weight, created_at. Write.
MATCH (p:Concept {id: $prerequisite}), (c:Concept {id: $concept})
CREATE (p)-[r:PREREQUISITE_OF {weight: $weight, created_at: datetime()}]->(c)
RETURN p.id AS prerequisite, c.id AS concept, r.weight AS weight, r.created_at AS created_at
