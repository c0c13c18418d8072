// Every answer with the concepts its task exercises (one row per answer and concept), oldest first per
// learner, in one bulk read: the transfer model's training log.
// Parameters: none. Returns: learner_id, event_id, answered_at (datetime), correct (float), task_id,
// concept_id. Read.
MATCH (a:Answer)
MATCH (:Task {id: a.task_id})-[:EXERCISES]->(c:Concept)
RETURN a.learner_id AS learner_id, a.event_id AS event_id, a.answered_at AS answered_at,
       a.correct AS correct, a.task_id AS task_id, c.id AS concept_id
ORDER BY learner_id, answered_at, event_id
