// Creates a learner on first sight and write-locks it for the rest of the transaction, so that what the
// transaction then stamps (goals, interests) is dated after any transaction that held the lock first
// committed (the SET of an unchanged id takes the lock and writes nothing).
// A learner erased (mastery/erase_learner) while this transaction waited for the lock: the MERGE had
// matched the node the erase deleted, and the SET wrote nothing; `alive`, looked up again by id once the
// lock is held, is then false, and the caller runs this again in the same transaction: that MERGE creates
// the learner afresh.
// Parameters: $learner_id (string), $now (datetime: created_at/updated_at of a learner created here).
// Returns: learner_id, alive (bool). Write.
MERGE (l:Learner {id: $learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
SET l.id = l.id
RETURN $learner_id AS learner_id, EXISTS { MATCH (:Learner {id: $learner_id}) } AS alive
