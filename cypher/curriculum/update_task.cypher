// Writes a task's new values, replaces its concept links when they changed, bumps its version.
// Run after lock_task checked the version. Parameters: $id, $props (map: title, kind, difficulty,
// estimated_minutes), $concepts (the full new list of concept ids). Returns: task (map). Write.
MATCH (t:Task {id: $id})
SET t += $props, t.version = t.version + 1, t.updated_at = datetime()
WITH t
CALL (t) {
  MATCH (t)-[r:EXERCISES]->(c:Concept)
  WHERE NOT c.id IN $concepts
  DELETE r
}
CALL (t) {
  UNWIND $concepts AS concept_id
  MATCH (c:Concept {id: concept_id})
  MERGE (t)-[r:EXERCISES]->(c)
  ON CREATE SET r.weight = 1.0
}
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          .updated_at, concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
