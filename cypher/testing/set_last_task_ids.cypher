// Test only: writes MASTERY.last_task_id of the given pairs as given, null removing it: a relationship
// as a release before 4 December 2026 left it (no last_task_id), or as an ingest holding the learner's
// lock writes it (V0021 must keep that value), or as a hand-written SET could leave it (an integer, a list:
// the planners must read those as no last task known).
// Parameters: $rows (list of {learner_id, concept_id, last_task_id: any property value or null}).
// Returns: written (count). Write.
UNWIND $rows AS row
MATCH (:Learner {id: row.learner_id})-[m:MASTERY]->(:Concept {id: row.concept_id})
SET m.last_task_id = row.last_task_id
RETURN count(m) AS written
