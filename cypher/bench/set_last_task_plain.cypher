// Bench only (bench_last_task_backfill): the baseline of V0021, the same relationships written in the
// same transactions (learners with a MASTERY lacking last_task_id, in id order, each locked, 100 per
// transaction), with a constant instead of the task read from the learner's answers: what V0021 costs
// beyond its writes. Run auto-committed, as migrate runs V0021. Parameters: none. Write.
MATCH (l:Learner)
WHERE EXISTS { MATCH (l)-[m:MASTERY]->(:Concept) WHERE m.last_task_id IS NULL }
WITH l ORDER BY l.id
CALL (l) {
  SET l._lock = true
  REMOVE l._lock
  WITH l
  MATCH (l)-[m:MASTERY]->(:Concept)
  WHERE m.last_task_id IS NULL
  SET m.last_task_id = 'plain'
} IN TRANSACTIONS OF 100 ROWS
