// Backfills MASTERY.last_task_id (kept since 4 December 2026: the task of the learner's latest answer on
// the concept, which the planner puts after the concept's other tasks) on relationships written before
// it, from the stored answers, with the value a full replay gives (recompute._last_tasks): among the
// learner's answers whose task exists and exercises the concept now (a task of two concepts counts for
// both, an answer whose task was deleted for none), the latest by answered_at to the microsecond (the
// tracer's clock, whatever zone form the time was stored in), then by event id (code point order, as
// Python's). A relationship with no such answer (mastery by transfer alone) keeps none, as a replay
// leaves it. A value already set is never overwritten: the ingest wrote it, from the same answers or
// newer ones. One transaction per 100 learners (about 10,000 relationships at 100 concepts each), so a
// large graph holds no one lock for the length of the run, and a run cut short and started again fills
// only what is still null. Each learner is write-locked first, as the ingest locks it
// (mastery/lock_learners), and its relationships are read after that: an ingest that committed a newer
// value meanwhile is seen and kept, not overwritten with an older answer's task. Learners go in id
// order, the order the ingest locks a batch's learners in, so the two cannot deadlock on them.
// Parameters: none. Write.
MATCH (l:Learner)
WHERE EXISTS { MATCH (l)-[m:MASTERY]->(:Concept) WHERE m.last_task_id IS NULL }
WITH l ORDER BY l.id
CALL (l) {
  SET l._lock = true
  REMOVE l._lock
  WITH l
  MATCH (a:Answer {learner_id: l.id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.answered_at IS NOT NULL
  MATCH (:Task {id: a.task_id})-[:EXERCISES]->(c:Concept)
  WITH l, c, collect(a) AS answers
  MATCH (l)-[m:MASTERY]->(c)
  WHERE m.last_task_id IS NULL
  CALL (answers) {
    UNWIND answers AS a
    RETURN a.task_id AS task
    ORDER BY a.answered_at.epochSeconds DESC, a.answered_at.nanosecond / 1000 DESC, a.event_id DESC
    LIMIT 1
  }
  SET m.last_task_id = task
} IN TRANSACTIONS OF 100 ROWS;
