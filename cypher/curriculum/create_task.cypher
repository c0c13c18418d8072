// Creates a task at version 1 linked to the concepts it exercises (weight 1.0). Run after
// lock_concepts confirmed every concept. Parameters: $curriculum_id, $props (map: id, title, kind,
// difficulty, estimated_minutes), $concepts (list of ids). Returns: task (map). Write.
CREATE (t:Task)
SET t = $props, t.curriculum_id = $curriculum_id, t.version = 1, t.created_at = datetime(),
    t.updated_at = datetime()
WITH t
CALL (t) {
  UNWIND $concepts AS concept_id
  MATCH (c:Concept {id: concept_id})
  CREATE (t)-[:EXERCISES {weight: 1.0}]->(c)
}
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          .updated_at, concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
