// The concepts each given task exercises, to validate answers and to feed the tracer.
// Parameters: $task_ids (list of string). Returns: task_id, concepts (list of {concept_id, weight});
// a task that does not exist is absent, one with no EXERCISES edge has an empty list. Read.
UNWIND $task_ids AS task_id
MATCH (t:Task {id: task_id})
OPTIONAL MATCH (t)-[e:EXERCISES]->(c:Concept)
// collect() drops nulls but not a map of nulls: the CASE keeps a task without concepts at an empty list.
RETURN task_id, collect(CASE WHEN c IS NOT NULL THEN {concept_id: c.id, weight: coalesce(e.weight, 1.0)} END)
       AS concepts
