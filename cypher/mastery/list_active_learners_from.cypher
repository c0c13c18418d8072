// As mastery/list_active_learners, for a range with no upper bound (no prefix, or one no id range bounds
// above: `mastery.roster.id_range`): the active learners from $start (inclusive), in id order.
// Bounded: at most $scan learners of the range are read (one range seek of the Learner id index, V0001),
// each tested by one seek of answer_learner_time (V0013) from (its id, $since) that stops at the first
// entry (EXISTS): no answer node is read. The answers index is by learner first, so no read finds the
// active learners without visiting the others; the bound keeps a page's cost fixed when few are active,
// and the caller resumes after `last_scanned` when the page is short. The listed ones get their count
// and newest time as in mastery/list_learners.
// Parameters: $start (string), $since (datetime, UTC), $limit (int: learners listed), $scan (int:
// learners read at most). Returns one row: scanned (learners read), last_scanned (the last id read; null
// when none), items (list of maps in id order: learner_id, answers, last_answered_at_s,
// last_answered_at_us). Read.
CALL () {
  MATCH (l:Learner)
  WHERE l.id >= $start
  WITH l
  ORDER BY l.id
  LIMIT $scan
  RETURN collect(l.id) AS scanned
}
CALL (scanned) {
  UNWIND scanned AS learner_id
  WITH learner_id
  WHERE EXISTS {
    MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
    WHERE a.learner_id = learner_id AND a.answered_at >= $since
  }
  WITH learner_id
  LIMIT $limit
  CALL (learner_id) {
    MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
    WHERE a.learner_id = learner_id AND a.answered_at IS NOT NULL
    RETURN count(a) AS answers, max(a.answered_at) AS last
  }
  RETURN collect({learner_id: learner_id, answers: answers, last_answered_at_s: last.epochSeconds,
                  last_answered_at_us: last.microsecond}) AS items
}
RETURN size(scanned) AS scanned, scanned[-1] AS last_scanned, items
