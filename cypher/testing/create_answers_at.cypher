// Test only: stores answers with answered_at given as text, in the zone form and precision written
// (the ingest stores UTC microseconds; an older release's or a hand-made answer may differ), so that
// readers ordering by time can be shown to order by the instant, as the tracer does.
// Parameters: $rows (list of {event_id, learner_id, task_id, correct (float), at (ISO text with a zone)}).
// Returns: created (count). Write.
UNWIND $rows AS row
CREATE (a:Answer {event_id: row.event_id, learner_id: row.learner_id, task_id: row.task_id,
                  correct: row.correct, answered_at: datetime(row.at), duration_s: null,
                  received_at: datetime()})
RETURN count(a) AS created
