// One learner's mastery of every concept they have a MASTERY relationship to.
// Parameters: $learner_id (string). Returns: concept_id, p_mastery, attempts, correct, model_version,
// p_practised (the value after the learner's own last answer, which transfer leaves; null when never
// answered on, or stored before it was), last_task_id (the task of the learner's latest answer on the
// concept; null when never answered on, or stored before it was kept), and
// three times as epoch seconds and the microsecond of that second (`values.with_datetimes` turns each
// pair into a datetime; the driver's own datetimes cost about 60 us of CPU each, most of this read):
// last_practised_s/_us, as_of_s/_us (the time p_mastery holds at), updated_at_s/_us. No rows when the
// learner has no mastery yet. Read.
MATCH (:Learner {id: $learner_id})-[m:MASTERY]->(c:Concept)
RETURN c.id AS concept_id, m.p_mastery AS p_mastery, m.attempts AS attempts, m.correct AS correct,
       m.model_version AS model_version, m.p_practised AS p_practised, m.last_task_id AS last_task_id,
       m.last_practised.epochSeconds AS last_practised_s, m.last_practised.microsecond AS last_practised_us,
       m.as_of.epochSeconds AS as_of_s, m.as_of.microsecond AS as_of_us,
       m.updated_at.epochSeconds AS updated_at_s, m.updated_at.microsecond AS updated_at_us
ORDER BY concept_id
