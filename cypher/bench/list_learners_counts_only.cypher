// The listing as it was before last answer times (3 December 2026): ids from $start and answer counts
// by one seek per learner (answer_learner_time since 4 December; answer_learner, V0002, before). bench_learner_list's baseline for the
// cost of the times.
// Parameters: $start (string), $limit (int). Returns: learner_id, answers (integer). Read.
MATCH (l:Learner)
WHERE l.id >= $start
WITH l
ORDER BY l.id
LIMIT $limit
RETURN l.id AS learner_id, COUNT { MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
                                 WHERE a.learner_id = l.id AND a.answered_at IS NOT NULL } AS answers
