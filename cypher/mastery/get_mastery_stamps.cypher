// Each existing learner's mastery stamp (mastery/lock_learners sets it; null for a learner never traced),
// read without locks: which learners a batch chunk must trace again (`jobs.batch_retrace`). Unlike
// get_retrace_preview it counts no answers: a chunk reads this for every learner it plans, every night.
// Parameters: $learner_ids (list of string). Returns: learner_id, model_version (string or null), one
// row per existing learner. Read.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
RETURN learner_id, l.mastery_model_version AS model_version
