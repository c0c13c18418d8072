// A batch's stored summary. Parameters: $job_id (string). Returns: job (map of the Job's properties);
// no row when there is none. Read.
MATCH (j:Job {id: $job_id})
RETURN j {.*} AS job
