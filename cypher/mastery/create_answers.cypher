// Stores new answers. The caller first reads which event ids exist (mastery/get_ingest_context); the
// uniqueness constraint on Answer.event_id is the arbiter when a concurrent transaction stores the same
// event id in between: this statement then fails and the caller's transaction is retried, finding it.
// (Measured: CREATE after a read costs ~2/3 of MERGE ... ON CREATE SET for new rows, and a pure replay
// writes nothing at all.) The rows travel as aligned columns, which the driver encodes and the server
// decodes in about half the time of a list of maps.
// Parameters: $event_ids, $learner_ids, $task_ids (lists of string), $scores (list of float), $at_s,
// $at_ns (answered_at as epoch seconds and nanoseconds: the driver encodes these far faster than
// datetimes), $durations (list of float or null), all of one length; $received_at (datetime).
// Returns: created (count). Write.
UNWIND range(0, size($event_ids) - 1) AS i
CREATE (a:Answer {event_id: $event_ids[i], learner_id: $learner_ids[i], task_id: $task_ids[i],
                  correct: $scores[i], answered_at: datetime({epochSeconds: $at_s[i], nanosecond: $at_ns[i]}),
                  duration_s: $durations[i], received_at: $received_at})
RETURN count(a) AS created
