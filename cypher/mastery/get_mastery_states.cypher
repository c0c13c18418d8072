// The stored tracer state of chosen (learner, concept) pairs, to continue tracing from it.
// Parameters: $pairs (list of {learner_id, concept_id}).
// Returns per stored pair: learner_id, concept_id, rel (the relationship's element id, to update it
// in place), p_mastery, attempts, correct, last_seconds, last_nanos, as_of_seconds, as_of_nanos
// (times as epoch seconds and nanoseconds, null when never). Read.
UNWIND $pairs AS pair
MATCH (l:Learner {id: pair.learner_id})
MATCH (c:Concept {id: pair.concept_id})
MATCH (l)-[m:MASTERY]->(c)
RETURN pair.learner_id AS learner_id, pair.concept_id AS concept_id, elementId(m) AS rel,
       m.p_mastery AS p_mastery, m.attempts AS attempts, m.correct AS correct,
       m.last_practised.epochSeconds AS last_seconds, m.last_practised.nanosecond AS last_nanos,
       m.as_of.epochSeconds AS as_of_seconds, m.as_of.nanosecond AS as_of_nanos
