// One page of a learner's stored answers in answer-time order, for GET /learners/{id}/answers and the
// export: answers with answered_at < $until that come after the cursor ($after_at, $after_event) in the
// order (answered_at, event_id). The event id breaks ties on answered_at, so a page boundary inside
// answers of one time neither repeats nor skips one, and an answer stored later with an earlier time than
// the cursor does not shift the pages after it (it is before the cursor). The caller folds `since` into
// the cursor (`learner_data.paging`): the first page passes $after_at = since and $after_event = '' (no
// event id is empty).
// Two seeks of the answer_learner_time index (V0013: learner id, answer time): the answers at exactly
// $after_at (the rest of a group of ties, by event id), and those after it, read in index order and
// stopped after $limit rows (the ties of the last time sorted by event id); the page is the first $limit
// of the two. No answer outside the page is read (but the ties of the cursor's time and of the page's
// last time). Written as one seek with `answered_at > $after_at OR event_id > $after_event`, the planner
// ran two full seeks of the learner's answers (a Union) and sorted all of them: a page read 20,000
// answers of 20,000 (PROFILE, 4 December 2026). Each branch orders by the index's own key first
// (learner_id, answered_at), although the learner is one: ordered by answered_at alone, the planner did
// not see that the seek gives that order, and read and sorted every answer after the cursor (a Top over
// 20,000 rows instead of a PartialTop over 101). The hints ask for the seeks: without them the planner
// may take the learner-only index (answer_learner, V0002; dropped by V0015) and read every answer node.
// The tie group's bound on $until is on the parameters ($after_at < $until), not on answered_at: with both
// `answered_at = $after_at` and `answered_at < $until` the planner sometimes sought the range and filtered
// the equality, reading every answer of the learner before $until (1,200 of 1,200 rows, a test run).
// Event ids compare as Neo4j compares a stored string with a parameter: by UTF-16 units, where ORDER BY of
// stored strings goes by code point (both seen on Neo4j 5.26, 4 December 2026); the two agree when
// $after_event holds only characters below U+D800. For any other cursor the caller reads the cursor's
// group of ties itself (learner_data/get_answers_at) and passes $ties = false: with `>` here, the ids
// after "t\uffff" in code point order ("t\U00010000") were skipped.
// Parameters: $learner_id (string), $after_at, $until (datetimes), $after_event (string), $ties (bool:
// false leaves out the answers at $after_at), $limit (int).
// Returns one row when the learner exists (none when unknown): answers, a list of [event_id, task_id,
// score, answered_at_s, answered_at_us, duration_s, received_at_s, received_at_us] in page order (times
// as epoch seconds and microsecond: `values.utc_datetime`). Read.
MATCH (l:Learner {id: $learner_id})
CALL (l) {
  CALL (l) {
    MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
    WHERE $ties AND $after_at < $until AND a.learner_id = l.id AND a.answered_at = $after_at
      AND a.event_id > $after_event
    RETURN a
    ORDER BY a.learner_id, a.answered_at, a.event_id
    LIMIT $limit
  UNION ALL
    MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
    WHERE a.learner_id = l.id AND a.answered_at > $after_at AND a.answered_at < $until
    RETURN a
    ORDER BY a.learner_id, a.answered_at, a.event_id
    LIMIT $limit
  }
  WITH a
  ORDER BY a.answered_at, a.event_id
  LIMIT $limit
  RETURN collect([a.event_id, a.task_id, a.correct, a.answered_at.epochSeconds, a.answered_at.microsecond,
                  a.duration_s, a.received_at.epochSeconds, a.received_at.microsecond]) AS answers
}
RETURN answers
