// What depends on a concept, read after lock_concept so nothing can be added meanwhile (a new goal or
// mastery relationship needs the concept's lock too): its prerequisite edges both ways, the tasks
// exercising it (with each task's full concept list), and the learner data a delete would remove with it.
// Parameters: $id. Returns: incoming, outgoing (lists of {prerequisite, concept, weight}),
// tasks (list of task maps with their concept ids), learners_with_goal (count of learners having it as a
// goal), mastery_values (count of learners' mastery values of it). Write (runs inside a locking write
// transaction).
MATCH (c:Concept {id: $id})
RETURN
  [(p:Concept)-[r:PREREQUISITE_OF]->(c) | {prerequisite: p.id, concept: c.id, weight: r.weight}] AS incoming,
  [(c)-[r:PREREQUISITE_OF]->(d:Concept) | {prerequisite: c.id, concept: d.id, weight: r.weight}] AS outgoing,
  [(t:Task)-[:EXERCISES]->(c) | t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes,
    .version, concepts: [(t)-[:EXERCISES]->(o:Concept) | o.id]}] AS tasks,
  COUNT { (:Learner)-[:HAS_GOAL]->(c) } AS learners_with_goal,
  COUNT { (:Learner)-[:MASTERY]->(c) } AS mastery_values
