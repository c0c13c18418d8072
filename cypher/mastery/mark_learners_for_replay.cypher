// Learners whose rows an ingest transaction leaves to the next one (replays bounded per transaction):
// mastery/lock_learners stamped them with the current model version, which would call them up to date
// there. A version no tracer has makes the next lock call them stale, so they are replayed in full then
// (also if the request ends before it: their next answer replays them).
// Parameters: $learner_ids (list of string), $pending (the marker version). Returns: marked (count). Write.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
SET l.mastery_model_version = $pending
RETURN count(l) AS marked
