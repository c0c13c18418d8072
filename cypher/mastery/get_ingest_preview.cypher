// What an ingest of a batch would find, for a dry run (`kgplatform ingest --dry-run`): which of the batch's
// tasks exist, which of its event ids are already stored (with their content, which the caller compares
// with the rows as the ingest does: equal is a duplicate, different a conflict) and which were answers of
// an erased learner. The reads of mastery/get_ingest_context that decide a row's outcome, without the
// transfer edges and revision that only the tracing needs.
// Parameters: $task_ids (list of string), $event_ids (list of string), $erased_digests (list of string:
// store.erased_answer_key of each event id).
// Returns one row: tasks (list of the task ids that exist), stored (list of [event_id, learner_id, task_id,
// correct, at_s, at_ns, duration_s], answered_at as epoch seconds and nanoseconds), erased (the digests
// among $erased_digests of erased answers). Read.
CALL () {
  UNWIND $task_ids AS task_id
  MATCH (t:Task {id: task_id})
  RETURN collect(t.id) AS tasks
}
CALL () {
  UNWIND $event_ids AS event_id
  MATCH (a:Answer {event_id: event_id})
  RETURN collect([a.event_id, a.learner_id, a.task_id, a.correct, a.answered_at.epochSeconds,
                  a.answered_at.nanosecond, a.duration_s]) AS stored
}
// After the stored answers, as in mastery/get_ingest_context: an erase that commits midway leaves each
// answer found either still stored or erased, never neither.
CALL (stored) {
  UNWIND $erased_digests AS digest
  MATCH (e:ErasedAnswer {digest: digest})
  RETURN collect(e.digest) AS erased
}
RETURN tasks, stored, erased
