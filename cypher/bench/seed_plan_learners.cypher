// Benchmark fixture for bench/bench_plans.py: learners with mastery and goals, written in bulk.
// Parameters: $rows (list of {learner_id, mastery: list of {concept_id, p, attempts, correct, as_of_s},
// goals: list of concept ids}), $now (datetime). Returns: learners (count written). Write.
UNWIND $rows AS row
MERGE (l:Learner {id: row.learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
WITH l, row
CALL (l, row) {
  UNWIND row.mastery AS m
  MATCH (c:Concept {id: m.concept_id})
  MERGE (l)-[r:MASTERY]->(c)
  SET r.p_mastery = m.p, r.attempts = m.attempts, r.correct = m.correct,
      r.as_of = datetime({epochSeconds: m.as_of_s}), r.last_practised = datetime({epochSeconds: m.as_of_s}),
      r.updated_at = $now, r.model_version = 'bench'
}
CALL (l, row) {
  UNWIND row.goals AS g
  MATCH (c:Concept {id: g})
  MERGE (l)-[:HAS_GOAL]->(c)
}
RETURN count(l) AS learners
