// Deletes the stored batch summaries (:Job) whose batch ended before $before (created_at for one that never
// started), so the summaries kept stay bounded by time (settings.workers.job_summary_days), not by how many
// batches ever ran. Parameters: $before (datetime). Returns: deleted (count). Write.
MATCH (j:Job)
WHERE coalesce(j.finished_at, j.created_at) < $before
DETACH DELETE j
RETURN count(*) AS deleted
