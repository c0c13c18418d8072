// The number of stored answers and the newest answer time of each of $learner_ids, as mastery/list_learners
// gives them (one seek of answer_learner_time each, from the index alone), for a scoped teacher key's page.
// Parameters: $learner_ids (list of strings). Returns: learner_id, answers (integer), last_answered_at_s,
// last_answered_at_us (null without answers), a row per id in no set order. Read.
UNWIND $learner_ids AS learner_id
CALL (learner_id) {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = learner_id AND a.answered_at IS NOT NULL
  RETURN count(a) AS answers, max(a.answered_at) AS last
}
RETURN learner_id, answers, last.epochSeconds AS last_answered_at_s, last.microsecond AS last_answered_at_us
