// Creates learners on first sight and touches the others (updated_at). The write lock this takes
// serialises concurrent mastery updates of one learner: a second transaction waits here until the
// first commits, and only then reads the stored mastery it continues from.
// Parameters: $learner_ids (list of string, sorted so concurrent callers lock in one order),
// $now (datetime, distinct per call). Returns: created (count of learners created now). Write.
UNWIND $learner_ids AS learner_id
MERGE (l:Learner {id: learner_id})
  ON CREATE SET l.created_at = $now
SET l.updated_at = $now
WITH l
RETURN count(CASE WHEN l.created_at = $now THEN 1 END) AS created
