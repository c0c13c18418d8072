// Test setup: a curriculum's prerequisite edges as a writer outside the API may leave them, without a weight.
// Parameters: $curriculum_id. Returns: removed (edges changed). Write.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(:Concept)-[r:PREREQUISITE_OF]->(:Concept)
REMOVE r.weight
RETURN count(r) AS removed
