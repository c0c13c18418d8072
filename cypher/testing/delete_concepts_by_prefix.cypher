// Benchmark clean-up: concepts whose id starts with $prefix, with their relationships, and the curriculum
// $curriculum_id. Parameters: $prefix, $curriculum_id. Returns: deleted (concepts). Write. Not for production.
MATCH (c:Concept)
WHERE c.id STARTS WITH $prefix
DETACH DELETE c
WITH count(*) AS deleted
OPTIONAL MATCH (cur:Curriculum {id: $curriculum_id})
DETACH DELETE cur
RETURN deleted
