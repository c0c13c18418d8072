// One concept by id, without locking (plain reads). Parameters: $id.
// Returns: concept (map; no row when unknown). Read.
MATCH (c:Concept {id: $id})
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at, .updated_at}
       AS concept
