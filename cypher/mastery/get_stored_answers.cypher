// Which of the given answers are already stored: with the same content (duplicates) or with another
// content (conflicts, naming the fields that differ). One row, so a replayed batch of thousands costs
// one record to decode. Parameters: $rows (list of {event_id, learner_id, task_id, correct, at_s,
// at_ns, duration_s}, as mastery/create_answers takes them).
// Returns: duplicates (list of event ids), conflicts (list of {event_id, fields}). Read.
UNWIND $rows AS r
MATCH (a:Answer {event_id: r.event_id})
WITH r.event_id AS event_id,
     CASE WHEN a.learner_id = r.learner_id THEN [] ELSE ['learner_id'] END +
     CASE WHEN a.task_id = r.task_id THEN [] ELSE ['task_id'] END +
     CASE WHEN a.correct = r.correct THEN [] ELSE ['correct'] END +
     CASE WHEN a.answered_at = datetime({epochSeconds: r.at_s, nanosecond: r.at_ns}) THEN []
          ELSE ['answered_at'] END +
     CASE WHEN a.duration_s = r.duration_s OR (a.duration_s IS NULL AND r.duration_s IS NULL) THEN []
          ELSE ['duration_s'] END AS fields
RETURN collect(CASE WHEN size(fields) = 0 THEN event_id END) AS duplicates,
       collect(CASE WHEN size(fields) > 0 THEN {event_id: event_id, fields: fields} END) AS conflicts
