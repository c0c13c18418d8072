// One learner's mastery of every concept they have a MASTERY relationship to.
// Parameters: $learner_id (string). Returns: concept_id, p_mastery, attempts, correct,
// last_practised, as_of (the time p_mastery holds at), updated_at, model_version; no rows when the learner has no mastery yet. Read.
MATCH (:Learner {id: $learner_id})-[m:MASTERY]->(c:Concept)
RETURN c.id AS concept_id, m.p_mastery AS p_mastery, m.attempts AS attempts, m.correct AS correct,
       m.last_practised AS last_practised, m.as_of AS as_of, m.updated_at AS updated_at, m.model_version AS model_version
ORDER BY concept_id
