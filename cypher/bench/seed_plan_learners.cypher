// Benchmark fixture for bench/bench_plans.py: new learners with mastery and goals, written in bulk.
// CREATE, not MERGE: the loader only writes learners past those already there (ids are numbered), and
// the Learner id constraint refuses a duplicate, failing the whole batch rather than doubling edges.
// Parameters: $rows (list of {learner_id, mastery: list of {concept_id, p, attempts, correct, as_of_s,
// last_task (a task id of the concept, or null)},
// goals: list of concept ids}), $now (datetime). Returns: learners (count written). Write.
UNWIND $rows AS row
CREATE (l:Learner {id: row.learner_id, created_at: $now, updated_at: $now})
WITH l, row
CALL (l, row) {
  UNWIND row.mastery AS m
  MATCH (c:Concept {id: m.concept_id})
  CREATE (l)-[:MASTERY {p_mastery: m.p, attempts: m.attempts, correct: m.correct,
                        as_of: datetime({epochSeconds: m.as_of_s}),
                        last_practised: datetime({epochSeconds: m.as_of_s}), last_task_id: m.last_task,
                        updated_at: $now, model_version: 'bench'}]->(c)
}
CALL (l, row) {
  UNWIND row.goals AS g
  MATCH (c:Concept {id: g})
  CREATE (l)-[:HAS_GOAL]->(c)
}
RETURN count(l) AS learners
