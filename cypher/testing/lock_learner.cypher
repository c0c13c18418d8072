// Test only: write-locks a learner inside the caller's open transaction, as a concurrent ingest does
// (mastery/lock_learners), so a request behind it can be shown to wait, and for how long.
// Parameters: $id. Returns: id. Write.
MATCH (l:Learner {id: $id})
SET l._lock = true
REMOVE l._lock
RETURN l.id AS id
