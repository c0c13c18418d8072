// Benchmark baseline for mastery/list_learners: the plainest page of learner ids after $after, in id order
// (no prefix, no answer counts), so the ratio says what the prefix and the counts add.
// Parameters: $after (string), $limit (int). Returns: learner_id. Read. Benchmarks only.
MATCH (l:Learner)
WHERE l.id > $after
RETURN l.id AS learner_id
ORDER BY l.id
LIMIT $limit
