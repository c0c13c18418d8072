// One task by id with the ids of the concepts it exercises, without locking. Parameters: $id.
// Returns: task (map; no row when unknown). Read.
// A missing updated_at reads as created_at (a row never changed since it was created).
MATCH (t:Task {id: $id})
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          updated_at: coalesce(t.updated_at, t.created_at), concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
