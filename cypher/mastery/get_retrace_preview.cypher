// What a retrace (`kgplatform retrace --dry-run`) would find, read without locks: each existing learner's
// stamp (mastery/lock_learners sets it; null for a learner never traced) and how many answers a full
// replay of them reads. Ids of no learner are not returned.
// Parameters: $learner_ids (list of string). Returns: learner_id, model_version (string or null),
// answers (int), one row per existing learner. Read.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
RETURN learner_id, l.mastery_model_version AS model_version,
       COUNT { MATCH (a:Answer {learner_id: learner_id}) USING INDEX SEEK a:Answer(learner_id, answered_at)
               WHERE a.answered_at IS NOT NULL } AS answers
