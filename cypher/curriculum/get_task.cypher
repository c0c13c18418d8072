// One task by id with the ids of the concepts it exercises, without locking. Parameters: $id.
// Returns: task (map; no row when unknown). Read.
MATCH (t:Task {id: $id})
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          .updated_at, concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
