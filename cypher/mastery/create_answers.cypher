// Stores new answers. The caller first reads which event ids exist (mastery/get_stored_answers); the
// uniqueness constraint on Answer.event_id is the arbiter when a concurrent transaction stores the same
// event id in between: this statement then fails and the caller's transaction is retried, finding it.
// (Measured: CREATE after a read costs ~2/3 of MERGE ... ON CREATE SET for new rows, and a pure replay
// writes nothing at all.)
// Parameters: $rows (list of {event_id, learner_id, task_id, correct, at_s, at_ns, duration_s}; answered_at
// travels as epoch seconds and nanoseconds, which the driver encodes far faster than datetimes),
// $received_at (datetime). Returns: created (count). Write.
UNWIND $rows AS r
CREATE (a:Answer {event_id: r.event_id, learner_id: r.learner_id, task_id: r.task_id, correct: r.correct,
                  answered_at: datetime({epochSeconds: r.at_s, nanosecond: r.at_ns}),
                  duration_s: r.duration_s, received_at: $received_at})
RETURN count(a) AS created
