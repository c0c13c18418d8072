// Creates learners on first sight and touches the others (updated_at). The write lock this takes
// serialises concurrent mastery updates of one learner: a second transaction waits here until the
// first commits, and only then reads the stored mastery it continues from. It also records the model
// version the learner's mastery is now computed with, and reports the learners whose mastery was
// computed with another one (they are replayed in full).
// Parameters: $learner_ids (list of string, sorted so concurrent callers lock in one order),
// $now (datetime, distinct per call), $model_version (string).
// Returns: created (count of learners created now), stale (ids of learners whose mastery had another
// model version). Write.
UNWIND $learner_ids AS learner_id
MERGE (l:Learner {id: learner_id})
  ON CREATE SET l.created_at = $now
WITH l, coalesce(l.mastery_model_version, $model_version) <> $model_version AS stale
SET l.updated_at = $now, l.mastery_model_version = $model_version
RETURN count(CASE WHEN l.created_at = $now THEN 1 END) AS created,
       collect(CASE WHEN stale THEN l.id END) AS stale
