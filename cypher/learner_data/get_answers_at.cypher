// Every stored answer of a learner given at one time ($at), for a page of learner_data/get_answer_page
// whose cursor's event id holds a character from U+D800 up: that statement's `event_id > $after_event`
// compares by UTF-16 units and would skip ids its ORDER BY (code point) puts after the cursor, so the
// caller keeps the ids after the cursor itself. One seek of answer_learner_time for that time: a group
// of answers sharing a microsecond (usually a few).
// Parameters: $learner_id (string), $at, $until (datetimes). Returns: answers, a list as
// learner_data/get_answer_page returns it, in no order the caller relies on (it sorts). Read.
CALL () {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE $at < $until AND a.learner_id = $learner_id AND a.answered_at = $at
  RETURN collect([a.event_id, a.task_id, a.correct, a.answered_at.epochSeconds, a.answered_at.microsecond,
                  a.duration_s, a.received_at.epochSeconds, a.received_at.microsecond]) AS answers
}
RETURN answers
