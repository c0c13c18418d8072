// What depends on a concept, read after lock_concept so nothing can be added meanwhile: its
// prerequisite edges both ways and the tasks exercising it (with each task's full concept list).
// Parameters: $id. Returns: incoming, outgoing (lists of {prerequisite, concept, weight}),
// tasks (list of task maps with their concept ids). Write (runs inside a locking write transaction).
MATCH (c:Concept {id: $id})
RETURN
  [(p:Concept)-[r:PREREQUISITE_OF]->(c) | {prerequisite: p.id, concept: c.id, weight: r.weight}] AS incoming,
  [(c)-[r:PREREQUISITE_OF]->(d:Concept) | {prerequisite: c.id, concept: d.id, weight: r.weight}] AS outgoing,
  [(t:Task)-[:EXERCISES]->(c) | t {.id, .curriculum_id, .title, .kind, .difficulty, .estimated_minutes,
    .version, concepts: [(t)-[:EXERCISES]->(o:Concept) | o.id]}] AS tasks
