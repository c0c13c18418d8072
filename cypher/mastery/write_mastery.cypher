// Writes recomputed mastery, one MASTERY relationship per learner and concept.
// Parameters: $rows (list of {learner_id, concept_id, p_mastery, attempts, correct, last_s, last_ns,
// as_of_s, as_of_ns}, sorted by concept so concurrent writers lock concepts in one order), $updated_at
// (datetime), $model_version (string). Times travel as epoch seconds and nanoseconds (null = never),
// which the driver encodes far faster than datetimes. Returns: written (count of relationships set). Write.
UNWIND $rows AS m
MATCH (l:Learner {id: m.learner_id})
MATCH (c:Concept {id: m.concept_id})
MERGE (l)-[r:MASTERY]->(c)
SET r.p_mastery = m.p_mastery, r.attempts = m.attempts, r.correct = m.correct,
    r.last_practised = CASE WHEN m.last_s IS NULL THEN null
                            ELSE datetime({epochSeconds: m.last_s, nanosecond: m.last_ns}) END,
    r.as_of = CASE WHEN m.as_of_s IS NULL THEN null
                   ELSE datetime({epochSeconds: m.as_of_s, nanosecond: m.as_of_ns}) END,
    r.updated_at = $updated_at, r.model_version = $model_version
RETURN count(r) AS written
