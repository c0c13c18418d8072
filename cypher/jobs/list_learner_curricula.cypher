// One page of learners (by id, after $after) with the curriculum each works in: the one holding most
// of their goals and mastered concepts (the rule of planning/find_learner_curriculum), so a batch plans
// every learner in their own curriculum. Parameters: $after (string, "" for the first page), $limit (int).
// Returns: learner_id, curriculum_id (null for a learner with neither goals nor mastery). Read.
MATCH (l:Learner)
WHERE l.id > $after
WITH l ORDER BY l.id LIMIT $limit
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_GOAL|MASTERY]->(c:Concept)
  WITH c.curriculum_id AS curriculum_id, count(c) AS touched
  ORDER BY touched DESC, curriculum_id
  LIMIT 1
  RETURN curriculum_id
}
RETURN l.id AS learner_id, curriculum_id
