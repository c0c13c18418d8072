// Benchmark baseline for bench/bench_transfer_export.py: the answers' four columns read as plainly as
// possible (no order, no concepts), against which the transfer model's export is timed.
// Parameters: none. Returns one row: learner_ids, event_ids, task_ids, correct (lists). Read. Benchmarks only.
MATCH (a:Answer)
RETURN collect(a.learner_id) AS learner_ids, collect(a.event_id) AS event_ids, collect(a.task_id) AS task_ids,
       collect(a.correct) AS correct
