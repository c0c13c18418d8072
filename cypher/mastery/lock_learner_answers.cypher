// The first statement of an erase (`MasteryStore.erase_learner`): write-locks the learner (as
// mastery/erase_learner does, so no ingestion adds an answer of theirs until the erase commits) and lists
// their answers' event ids, from which the caller makes the erased-answer digests
// (mastery/create_erased_answers) before mastery/erase_learner deletes the answers.
// Parameters: $learner_id (string). Returns: event_ids (list of string); no row when the learner is
// unknown. Write (the lock).
// `a.answered_at IS NOT NULL` (every answer has one) lets the seek use answer_learner_time (V0013): the
// learner-only index was dropped (V0015). The hint keeps the planner from scanning that composite index.
MATCH (l:Learner {id: $learner_id})
SET l.id = l.id
WITH l
OPTIONAL MATCH (a:Answer {learner_id: l.id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
WHERE a.answered_at IS NOT NULL
RETURN collect(a.event_id) AS event_ids
