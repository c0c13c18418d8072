// Benchmark baseline: the plainest possible write of answers, no idempotency and no mastery.
// Parameters: $rows (list of {event_id, learner_id, task_id, correct, at_s, at_ns, duration_s}, answered_at
// as epoch seconds and nanoseconds, exactly as the ingest path sends it),
// $received_at (datetime). Returns: created (count). Write. Benchmarks only.
UNWIND $rows AS r
CREATE (a:Answer {event_id: r.event_id, learner_id: r.learner_id, task_id: r.task_id, correct: r.correct,
                  answered_at: datetime({epochSeconds: r.at_s, nanosecond: r.at_ns}), duration_s: r.duration_s, received_at: $received_at})
RETURN count(a) AS created
