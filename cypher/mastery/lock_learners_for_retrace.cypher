// Write-locks the learners a retrace (`MasteryService.retrace`) may replay and returns the stamp their
// mastery was traced under (mastery/lock_learners sets it; null for a learner never traced). Unlike
// mastery/lock_learners it creates nobody: an id erased since it was listed is simply not returned, and
// a learner erased while this waited for its lock is gone once the lock is held (looked up again below).
// The lock is the SET of the unchanged id (Neo4j takes the write lock and writes nothing), so concurrent
// ingests of these learners wait for the retrace's commit, or the retrace for theirs.
// Parameters: $learner_ids (list of string, sorted: one lock order for every caller).
// Returns: learner_id, model_version (string or null). Write.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
SET l.id = l.id
WITH l, learner_id
WHERE EXISTS { MATCH (:Learner {id: learner_id}) }
RETURN learner_id, l.mastery_model_version AS model_version
