// As mastery/list_learners, for a range with no upper bound (no prefix, or one no id range bounds above:
// see `mastery.roster.id_range`): ids from $start (inclusive), in id order, one range seek; the answers
// as there.
// Parameters: $start (string), $limit (int). Returns: learner_id, answers (integer),
// last_answered_at_s, last_answered_at_us (the newest answer's time; null without answers). Read.
MATCH (l:Learner)
WHERE l.id >= $start
WITH l
ORDER BY l.id
LIMIT $limit
WITH l.id AS learner_id
CALL (learner_id) {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = learner_id AND a.answered_at IS NOT NULL
  RETURN count(a) AS answers, max(a.answered_at) AS last
}
RETURN learner_id, answers, last.epochSeconds AS last_answered_at_s, last.microsecond AS last_answered_at_us
