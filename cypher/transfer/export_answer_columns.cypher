// Every answer, oldest first per learner, as four aligned columns in one record: the transfer model's
// training log (the concepts of each task come apart, transfer/export_task_concepts). Columns rather than
// rows: the driver decodes lists several times faster than records, and one row per answer and concept,
// with its datetime, made 400,000 answers cost 40 s and 560 MiB to read.
// Parameters: none. Returns one row: learner_ids, event_ids, task_ids (lists of strings), correct (list
// of floats, the score). Read.
MATCH (a:Answer)
WITH a ORDER BY a.learner_id, a.answered_at, a.event_id
RETURN collect(a.learner_id) AS learner_ids, collect(a.event_id) AS event_ids, collect(a.task_id) AS task_ids,
       collect(a.correct) AS correct
