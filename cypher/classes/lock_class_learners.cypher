// Creates a roster's learners on first sight and write-locks them, before classes/replace_class_learners in
// the same transaction, so that an erasure cannot delete one of them between its MERGE there and the
// membership it then creates (which failed the PUT with Neo4j's ClientError: a review, 4 December). A
// learner erased while this waited for its lock: the MERGE had matched the node the erase deleted and the
// SET wrote nothing; it is listed in `gone`, and the caller runs this again for those ids in the same
// transaction, whose MERGE creates them afresh (as PUT goals does, mastery/lock_learner).
// Parameters: $learner_ids (list of distinct strings, sorted: concurrent callers lock in one order), $now
// (datetime: created_at/updated_at of a learner created here). Returns: gone (list of ids). Write.
UNWIND $learner_ids AS learner_id
MERGE (l:Learner {id: learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
SET l.id = l.id
WITH learner_id, EXISTS { MATCH (:Learner {id: learner_id}) } AS alive
RETURN [x IN collect(CASE WHEN alive THEN null ELSE learner_id END) WHERE x IS NOT NULL] AS gone
