// Test check: every MASTERY relationship, to compare two ingests value for value.
// Parameters: none. Returns: learner_id, concept_id, p_mastery, attempts, correct, last_practised,
// as_of, model_version, p_practised (the planner's and the report's "mastered before"), last_task_id
// (the task of the learner's latest answer on the concept); ordered. Read.
MATCH (l:Learner)-[m:MASTERY]->(c:Concept)
RETURN l.id AS learner_id, c.id AS concept_id, m.p_mastery AS p_mastery, m.attempts AS attempts,
       m.correct AS correct, m.last_practised AS last_practised, m.as_of AS as_of,
       m.model_version AS model_version, m.p_practised AS p_practised, m.last_task_id AS last_task_id
ORDER BY learner_id, concept_id
