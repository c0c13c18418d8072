// As mastery/list_learners, for a range with no upper bound (no prefix, or one no id range bounds above:
// see `mastery.roster.id_range`): ids from $start (inclusive), in id order, one range seek.
// Parameters: $start (string), $limit (int). Returns: learner_id, answers (integer). Read.
MATCH (l:Learner)
WHERE l.id >= $start
WITH l
ORDER BY l.id
LIMIT $limit
RETURN l.id AS learner_id, COUNT { MATCH (a:Answer) WHERE a.learner_id = l.id } AS answers
