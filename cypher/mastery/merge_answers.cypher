// Stores answers idempotently: MERGE on the constrained Answer.event_id, properties set only on create.
// Parameters: $rows (list of {event_id, learner_id, task_id, correct, at_s, at_ns, duration_s}; answered_at
// travels as epoch seconds and nanoseconds, which the driver encodes far faster than datetimes),
// $batch_id (string, unique per call), $received_at (datetime).
// Returns one row per answer that already existed (not created by this call): event_id and its
// stored content (answered_at as at_s, at_ns), so the caller can tell duplicates from conflicts. Write.
UNWIND $rows AS r
MERGE (a:Answer {event_id: r.event_id})
  ON CREATE SET a.learner_id = r.learner_id, a.task_id = r.task_id, a.correct = r.correct,
                a.answered_at = datetime({epochSeconds: r.at_s, nanosecond: r.at_ns}), a.duration_s = r.duration_s,
                a.received_at = $received_at, a.batch_id = $batch_id
WITH a, r
WHERE coalesce(a.batch_id, '') <> $batch_id
RETURN r.event_id AS event_id, a.learner_id AS learner_id, a.task_id AS task_id, a.correct AS correct,
       a.answered_at.epochSeconds AS at_s, a.answered_at.nanosecond AS at_ns, a.duration_s AS duration_s
