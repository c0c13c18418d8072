// Writes recomputed mastery: one MASTERY relationship per learner and concept, grouped by learner, and
// on each learner the latest answer its mastery includes (for the next incremental update).
// Parameters: $learners (list of {learner_id, last_answered_at (datetime), last_event_id, concepts: list
// of {concept_id, p_mastery, attempts, correct, last_practised, as_of (datetimes or null)}}),
// $updated_at (datetime), $model_version (string). Returns: written (count of relationships set). Write.
UNWIND $learners AS row
MATCH (l:Learner {id: row.learner_id})
SET l.last_answered_at = row.last_answered_at, l.last_event_id = row.last_event_id,
    l.mastery_model_version = $model_version
WITH l, row
UNWIND row.concepts AS m
MATCH (c:Concept {id: m.concept_id})
MERGE (l)-[r:MASTERY]->(c)
SET r.p_mastery = m.p_mastery, r.attempts = m.attempts, r.correct = m.correct,
    r.last_practised = m.last_practised, r.as_of = m.as_of, r.updated_at = $updated_at,
    r.model_version = $model_version
RETURN count(r) AS written
