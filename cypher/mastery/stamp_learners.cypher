// Stamps retraced learners (`MasteryService.retrace`) with the version their mastery is now computed
// with, in the transaction that holds their locks and wrote their replay (mastery/lock_learners_for_retrace):
// their next ingest then continues from the stored state instead of replaying them again.
// Parameters: $learner_ids (list of string), $model_version (string). Returns: stamped (count). Write.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
SET l.mastery_model_version = $model_version
RETURN count(l) AS stamped
