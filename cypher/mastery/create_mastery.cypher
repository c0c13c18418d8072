// Creates MASTERY relationships for (learner, concept) pairs known to have none: they were looked up
// earlier in the same transaction, after their learners were write-locked, so nobody else can have
// created them since. Cheaper than MERGE, which would scan the learner's relationships again.
// Parameters: $rows (list of {learner_id, concept_id, p_mastery, attempts, correct, last_s, last_ns,
// as_of_s, as_of_ns}, sorted by concept so concurrent writers lock in one order), $updated_at
// (datetime), $model_version (string). Returns: written (count). Write.
UNWIND $rows AS m
MATCH (l:Learner {id: m.learner_id})
MATCH (c:Concept {id: m.concept_id})
CREATE (l)-[r:MASTERY {p_mastery: m.p_mastery, attempts: m.attempts, correct: m.correct,
  last_practised: CASE WHEN m.last_s IS NULL THEN null
                       ELSE datetime({epochSeconds: m.last_s, nanosecond: m.last_ns}) END,
  as_of: CASE WHEN m.as_of_s IS NULL THEN null ELSE datetime({epochSeconds: m.as_of_s, nanosecond: m.as_of_ns}) END,
  updated_at: $updated_at, model_version: $model_version}]->(c)
RETURN count(r) AS written
