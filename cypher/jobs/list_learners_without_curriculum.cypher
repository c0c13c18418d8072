// One page of the learners with neither goals nor mastered concepts in any curriculum, in id order after
// $after. They have no default curriculum: a batch for one curriculum plans those whose kept plan (read
// from Redis, as a chunk reads it: jobs/batch.py's `group_by_curriculum`) is for it. No concept leads to
// them, so this walks every learner id in index order, as jobs/list_learner_ids does, with an existence
// check that stops at a learner's first goal or mastered concept; nobody's mastery is read.
// Parameters: $after (string, "" for the first page), $limit (int). Returns one row: learner_ids (a list
// in id order; empty after the last such learner). Read.
MATCH (l:Learner)
WHERE l.id > $after
// A CALL with LIMIT 1, not NOT EXISTS {...}: on a graph with few concepts the planner answered the
// existence check by scanning every concept of the concept_curriculum index for each learner, a plan it
// may keep once the graph has grown; this expands from the learner, whatever the statistics.
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_GOAL|MASTERY]->(c:Concept)
  WHERE c.curriculum_id IS NOT NULL
  RETURN c
  LIMIT 1
}
WITH l, c
WHERE c IS NULL
WITH l.id AS learner_id
ORDER BY learner_id
LIMIT $limit
RETURN collect(learner_id) AS learner_ids
