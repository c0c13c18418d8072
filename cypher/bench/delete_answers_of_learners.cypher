// Benchmark clean-up: deletes the answers of the given learners (no Learner node needed), by a seek of
// answer_learner_time each. Parameters: $learner_ids (list of string). Returns: deleted (count). Write.
// Benchmarks only.
UNWIND $learner_ids AS learner_id
MATCH (a:Answer {learner_id: learner_id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
WHERE a.answered_at IS NOT NULL
DETACH DELETE a
RETURN count(*) AS deleted
