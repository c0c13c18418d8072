// As mastery/list_learners, for a teacher key scoped to classes: one page of the members of $class_ids
// whose ids are in [$start, $end) ($end null: no upper bound), in id order, each once however many of the
// classes hold them. Starts from the classes (a seek of the Class id index, V0014) and reads only their
// HAS_MEMBER relationships and members, sorted: no other learner is read, so its cost is that of the
// classes' sizes, not of the platform's learners (bench/bench_class_list.py). The answers as there.
// Parameters: $class_ids (list of strings), $start (string), $end (string or null), $limit (int).
// Returns: learner_id, answers (integer), last_answered_at_s, last_answered_at_us. Read.
MATCH (c:Class)-[:HAS_MEMBER]->(l:Learner)
USING INDEX c:Class(id)
WHERE c.id IN $class_ids AND l.id >= $start AND ($end IS NULL OR l.id < $end)
WITH DISTINCT l
ORDER BY l.id
LIMIT $limit
WITH l.id AS learner_id
CALL (learner_id) {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = learner_id AND a.answered_at IS NOT NULL
  RETURN count(a) AS answers, max(a.answered_at) AS last
}
RETURN learner_id, answers, last.epochSeconds AS last_answered_at_s, last.microsecond AS last_answered_at_us
