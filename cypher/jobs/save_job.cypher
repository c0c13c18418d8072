// Records a finished batch's summary as a (:Job) node, so it outlives the progress kept in Redis.
// MERGE on the id makes a repeated finalisation harmless. Parameters: $job (map: id, kind, state,
// curriculum_id, total, done, failed, skipped, retraced, retrace_left (learners the chunks traced again,
// and those they had no time for), chunks_total, created_at, started_at, finished_at (datetimes),
// duration_s, rate_per_s, message, retrain_failed (a nightly job whose retrain failed), retrain (its
// retrain's outcome in one line), failures (JSON
// string), workers (JSON string: chunks by worker)). Returns: id. Write.
MERGE (j:Job {id: $job.id})
SET j += $job
RETURN j.id AS id
