// The prerequisite edge between two concepts, if any. Parameters: $prerequisite, $concept.
// Returns: weight, created_at (no row when there is no such edge). Read.
MATCH (:Concept {id: $prerequisite})-[r:PREREQUISITE_OF]->(:Concept {id: $concept})
RETURN r.weight AS weight, r.created_at AS created_at
