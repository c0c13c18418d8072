// Creates learners on first sight and touches the others. The write lock taken here serialises
// concurrent mastery updates of one learner: a second transaction waits until this one commits.
// Parameters: $learner_ids (list of string, sorted so concurrent callers lock in one order),
// $now (datetime, distinct per call).
// Returns per learner: learner_id, created (bool, for reporting), last_seconds, last_nanos and
// last_event_id (the latest answer the stored mastery already includes; null when none) and
// model_version (of the stored mastery). Write.
UNWIND $learner_ids AS learner_id
MERGE (l:Learner {id: learner_id})
  ON CREATE SET l.created_at = $now
SET l.updated_at = $now
RETURN learner_id, l.created_at = $now AS created,
       l.last_answered_at.epochSeconds AS last_seconds, l.last_answered_at.nanosecond AS last_nanos,
       l.last_event_id AS last_event_id, l.mastery_model_version AS model_version
