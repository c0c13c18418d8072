// The newest batches' stored summaries, newest first (job ids sort by their creation time within a second).
// Parameters: $limit (int). Returns: job (map of the Job's properties), one row per job. Read.
MATCH (j:Job)
RETURN j {.*} AS job
ORDER BY j.created_at DESC, j.id DESC
LIMIT $limit
