// Takes the write lock on one task, then reads it (see lock_concept for why the lock comes first).
// Parameters: $id. Returns: task (map; no row when unknown). Write.
// A missing updated_at reads as created_at (a row never changed since it was created).
// Run after curriculum/lock_curricula has locked the owning curriculum (one lock order for all writers).
MATCH (t:Task {id: $id})
SET t._lock = true
REMOVE t._lock
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          updated_at: coalesce(t.updated_at, t.created_at), concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
