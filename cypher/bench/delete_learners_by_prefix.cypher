// Benchmark clean-up: deletes up to $limit learners whose id starts with $prefix, and their answers
// (call until it returns 0), keeping transactions small.
// Parameters: $prefix (string), $limit (int). Returns: deleted (count of learners). Write. Benchmarks only.
MATCH (l:Learner)
WHERE l.id STARTS WITH $prefix
WITH l LIMIT $limit
CALL (l) {
  MATCH (a:Answer {learner_id: l.id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.answered_at IS NOT NULL
  DETACH DELETE a
}
DETACH DELETE l
RETURN count(*) AS deleted
