// The listing as it was before last answer times (3 December 2026): ids from $start and answer counts
// through the answer_learner index (V0002), one seek per learner. bench_learner_list's baseline for the
// cost of the times.
// Parameters: $start (string), $limit (int). Returns: learner_id, answers (integer). Read.
MATCH (l:Learner)
WHERE l.id >= $start
WITH l
ORDER BY l.id
LIMIT $limit
RETURN l.id AS learner_id, COUNT { MATCH (a:Answer) WHERE a.learner_id = l.id } AS answers
