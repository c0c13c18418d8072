// One concept by id, without locking (plain reads). Parameters: $id.
// Returns: concept (map; no row when unknown). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (c:Concept {id: $id})
RETURN c {.id, .curriculum_id, .name, .description, .tags, .difficulty, .version, .created_at,
           updated_at: coalesce(c.updated_at, c.created_at)}
       AS concept
