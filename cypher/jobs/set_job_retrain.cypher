// Sets the retrain line on a batch's stored summary, when it has one: a night cancelled while its retrain
// trained was summarised before the retrain ended, and its "not published" (or "failed: ...") line
// reached Redis only.
// Matches, never creates: a running night's summary is written when it ends, line included.
// Parameters: $job_id, $retrain (the retrain's outcome in one line). Returns: id (no row: no summary). Write.
MATCH (j:Job {id: $job_id})
SET j.retrain = $retrain
RETURN j.id AS id
