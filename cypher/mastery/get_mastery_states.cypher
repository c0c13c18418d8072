// The stored tracer state of chosen (learner, concept) pairs, to continue tracing from it.
// Parameters: $learners (list of {learner_id, concept_ids}).
// Returns: learner_id, concept_id, p_mastery, attempts, correct, last_seconds, last_nanos,
// as_of_seconds, as_of_nanos (times as epoch seconds and nanoseconds; null when never). Read.
UNWIND $learners AS row
MATCH (l:Learner {id: row.learner_id})-[m:MASTERY]->(c:Concept)
WHERE c.id IN row.concept_ids
RETURN row.learner_id AS learner_id, c.id AS concept_id, m.p_mastery AS p_mastery, m.attempts AS attempts,
       m.correct AS correct, m.last_practised.epochSeconds AS last_seconds,
       m.last_practised.nanosecond AS last_nanos, m.as_of.epochSeconds AS as_of_seconds,
       m.as_of.nanosecond AS as_of_nanos
