// Which of $learner_ids (a scoped teacher key's members in a page's id range) gave an answer at or after
// $since, for GET /learners?active_since=: one seek of answer_learner_time (V0013) per id, from (its id,
// $since), stopped at the first entry (EXISTS); no answer node is read. Its cost is the classes' sizes,
// as mastery/list_class_member_ids.
// Parameters: $learner_ids (list of strings), $since (datetime, UTC). Returns: learner_id, a row per
// active one, in no set order. Read.
UNWIND $learner_ids AS learner_id
WITH learner_id
WHERE EXISTS {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = learner_id AND a.answered_at >= $since
}
RETURN learner_id
