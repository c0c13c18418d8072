// Every stored answer of the given learners (including those written earlier in the same transaction),
// for recomputing their mastery from full history; one row per learner, aligned lists.
// Parameters: $learner_ids (list of string). Returns: learner_id, event_ids, task_ids, scores,
// seconds, nanos (answered_at as epoch seconds and nanoseconds: exact, for ordering). Read.
// `a.answered_at IS NOT NULL` (every answer has one) lets the seek use answer_learner_time (V0013): the
// learner-only index was dropped (V0015). The hint keeps the planner from scanning that composite index.
UNWIND $learner_ids AS learner_id
MATCH (a:Answer {learner_id: learner_id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
WHERE a.answered_at IS NOT NULL
RETURN learner_id, collect(a.event_id) AS event_ids, collect(a.task_id) AS task_ids,
       collect(a.correct) AS scores, collect(a.answered_at.epochSeconds) AS seconds,
       collect(a.answered_at.nanosecond) AS nanos
