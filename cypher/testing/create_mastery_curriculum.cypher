// Test and benchmark fixture: concepts, tasks exercising them, and prerequisite edges, in one go.
// Parameters: $curriculum_id (string, the curriculum holding them all), $concepts (list of {id, name,
// tags}), $tasks (list of {id, concept_ids}), $prerequisites (list of {prerequisite, concept}), $now.
// Returns: concepts, tasks (counts of the given rows). Write. Not for production data.
MERGE (cur:Curriculum {id: $curriculum_id})
SET cur.name = $curriculum_id, cur.description = '', cur.created_at = $now, cur.updated_at = $now
WITH cur
CALL (cur) {
  UNWIND $concepts AS c
  MERGE (n:Concept {id: c.id})
  SET n.name = c.name, n.description = '', n.tags = c.tags, n.difficulty = null, n.version = 1,
      n.created_at = $now, n.updated_at = $now, n.curriculum_id = $curriculum_id
  MERGE (cur)-[:CONTAINS]->(n)
}
CALL (*) {
  UNWIND $tasks AS t
  MERGE (n:Task {id: t.id})
  SET n.title = t.id, n.kind = 'exercise', n.difficulty = 0.5, n.estimated_minutes = 5, n.version = 1,
      n.created_at = $now, n.updated_at = $now, n.curriculum_id = $curriculum_id
  WITH n, t
  UNWIND t.concept_ids AS concept_id
  MATCH (c:Concept {id: concept_id})
  MERGE (n)-[e:EXERCISES]->(c)
  SET e.weight = 1.0
}
CALL (*) {
  UNWIND $prerequisites AS p
  MATCH (a:Concept {id: p.prerequisite}), (b:Concept {id: p.concept})
  MERGE (a)-[e:PREREQUISITE_OF]->(b)
  SET e.weight = 1.0, e.created_at = $now
}
RETURN size($concepts) AS concepts, size($tasks) AS tasks
