// The curriculum a learner works in: the one holding most of their goals and mastered concepts.
// Parameters: $learner_id (string). Returns: curriculum_id (string); no row when the learner is
// unknown, a null curriculum_id when they have neither goals nor mastery yet. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[:HAS_GOAL|MASTERY]->(c:Concept)
WITH c.curriculum_id AS curriculum_id, count(c) AS touched
ORDER BY touched DESC, curriculum_id
LIMIT 1
RETURN curriculum_id
