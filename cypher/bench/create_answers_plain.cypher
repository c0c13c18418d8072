// Benchmark baseline: the plainest possible write of answers, no idempotency and no mastery, in the
// same form the ingest path's mastery/create_answers uses (aligned columns, answered_at as epoch seconds
// and nanoseconds), so the ratio measures what ingestion adds, not a difference of encoding.
// Parameters: $event_ids, $learner_ids, $task_ids (lists of string), $scores (list of float), $at_s,
// $at_ns (lists of int), $durations (list of float or null), all of one length; $received_at (datetime).
// Returns: created (count). Write. Benchmarks only.
UNWIND range(0, size($event_ids) - 1) AS i
CREATE (a:Answer {event_id: $event_ids[i], learner_id: $learner_ids[i], task_id: $task_ids[i],
                  correct: $scores[i], answered_at: datetime({epochSeconds: $at_s[i], nanosecond: $at_ns[i]}),
                  duration_s: $durations[i], received_at: $received_at})
RETURN count(a) AS created
