// Creates a concept at version 1 inside its curriculum. Parameters: $curriculum_id, $props (map: id,
// name, description, tags, difficulty). Returns: concept (map; no row when the curriculum is unknown). Write.
MATCH (cur:Curriculum {id: $curriculum_id})
CREATE (cur)-[:CONTAINS]->(c:Concept)
SET c = $props, c.curriculum_id = $curriculum_id, c.version = 1, c.created_at = datetime(),
    c.updated_at = datetime()
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at, .updated_at}
       AS concept
