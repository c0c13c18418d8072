// Creates a learner on first sight and write-locks it for the rest of the transaction, so that what the
// transaction then stamps (goals, interests) is dated after any transaction that held the lock first
// committed (the SET of an unchanged id takes the lock and writes nothing).
// Parameters: $learner_id (string), $now (datetime: created_at/updated_at of a learner created here).
// Returns: learner_id. Write.
MERGE (l:Learner {id: $learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
SET l.id = l.id
RETURN l.id AS learner_id
