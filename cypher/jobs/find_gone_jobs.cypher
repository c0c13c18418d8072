// Which of the given job ids no longer have a stored summary. Asked by the reads of summaries
// (jobs.store.JobStore), in their transaction and after the read, of the summaries read without a field
// every stored one has: reads take no locks, so a summary pruned while a statement read it gave its
// properties not read yet as absent; a statement after that read sees the delete.
// Parameters: $job_ids (list of strings). Returns one row: gone (the ids of those deleted). Read.
RETURN [id IN $job_ids WHERE NOT EXISTS { MATCH (:Job {id: id}) }] AS gone
