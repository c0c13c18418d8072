// Creates a task linked to the concepts it exercises (weight 1.0), at version 1, or after the last version
// of a deleted task with its id (see create_concept). Run after lock_concepts confirmed every concept.
// Parameters: $curriculum_id, $props (map: id, title, kind, difficulty, estimated_minutes), $concepts
// (list of ids). Returns: task (map). Write.
OPTIONAL MATCH (gone:RetiredId {key: 'task:' + $props.id})
CREATE (t:Task)
SET t = $props, t.curriculum_id = $curriculum_id, t.version = coalesce(gone.version, 0) + 1,
    t.created_at = datetime(), t.updated_at = datetime()
FOREACH (r IN CASE WHEN gone IS NULL THEN [] ELSE [gone] END | DELETE r)
WITH t
CALL (t) {
  UNWIND $concepts AS concept_id
  MATCH (c:Concept {id: concept_id})
  CREATE (t)-[:EXERCISES {weight: 1.0}]->(c)
}
RETURN t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes, .version, .created_at,
          .updated_at, concepts: [(t)-[:EXERCISES]->(c:Concept) | c.id]} AS task
