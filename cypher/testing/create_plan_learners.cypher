// Test fixture (worker tests): NEW learners with mastery and goals, created in bulk on an emptied graph
// (CREATE, not MERGE: the ids are fresh, and 10,000 learners must load in seconds).
// Parameters: $rows (list of {learner_id, mastery: list of {concept_id, p, attempts, correct, as_of_s},
// goals: list of concept ids}), $now (datetime). Returns: learners (count created). Write.
UNWIND $rows AS row
CREATE (l:Learner {id: row.learner_id, created_at: $now, updated_at: $now})
WITH l, row
CALL (l, row) {
  UNWIND row.mastery AS m
  MATCH (c:Concept {id: m.concept_id})
  CREATE (l)-[:MASTERY {p_mastery: m.p, attempts: m.attempts, correct: m.correct,
                        as_of: datetime({epochSeconds: m.as_of_s}),
                        last_practised: datetime({epochSeconds: m.as_of_s}), updated_at: $now,
                        model_version: 'test'}]->(c)
}
CALL (l, row) {
  UNWIND row.goals AS g
  MATCH (c:Concept {id: g})
  CREATE (l)-[:HAS_GOAL]->(c)
}
RETURN count(l) AS learners
