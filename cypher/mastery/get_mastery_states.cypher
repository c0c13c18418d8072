// The stored tracer state of chosen (learner, concept) pairs, to continue tracing from it, and whether
// any of the learner's mastery was computed by another model version (then it must be replayed).
// Starts from each learner (the hint keeps the planner from starting at a concept, whose MASTERY
// degree is in the thousands).
// Parameters: $learners (list of {learner_id, concept_ids}), $model_version (string).
// Returns per learner that has mastery: learner_id, stale (bool), states (list of {concept_id,
// p_mastery, attempts, correct, last_seconds, last_nanos, as_of_seconds, as_of_nanos} for the asked
// concepts; times as epoch seconds and nanoseconds, null when never). Read.
UNWIND $learners AS row
MATCH (l:Learner {id: row.learner_id})
USING INDEX l:Learner(id)
MATCH (l)-[m:MASTERY]->(c)
WITH row, m, c.id AS concept_id
RETURN row.learner_id AS learner_id,
       any(v IN collect(m.model_version) WHERE v <> $model_version) AS stale,
       collect(CASE WHEN concept_id IN row.concept_ids THEN {
         concept_id: concept_id, p_mastery: m.p_mastery, attempts: m.attempts, correct: m.correct,
         last_seconds: m.last_practised.epochSeconds, last_nanos: m.last_practised.nanosecond,
         as_of_seconds: m.as_of.epochSeconds, as_of_nanos: m.as_of.nanosecond} END) AS states
