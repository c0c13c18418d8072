// Bench only (bench_last_task_backfill): removes MASTERY.last_task_id from every relationship, leaving
// mastery as a release before 4 December 2026 wrote it. Parameters: none. Returns: removed (count). Write.
MATCH (:Learner)-[m:MASTERY]->(:Concept)
WHERE m.last_task_id IS NOT NULL
REMOVE m.last_task_id
RETURN count(m) AS removed
