// Removes the edge $prerequisite -> $concept. Parameters: $prerequisite, $concept.
// Returns: deleted (count). Write.
MATCH (:Concept {id: $prerequisite})-[r:PREREQUISITE_OF]->(:Concept {id: $concept})
DELETE r
RETURN count(*) AS deleted
