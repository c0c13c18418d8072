// One page of learners for a teacher looking one up, in id order: ids from $start (inclusive) up to $end
// (exclusive). `mastery.roster.id_range` turns a prefix and a cursor into these two bounds, so the page is
// one range seek of the Learner id constraint's index (V0001), read in order and stopped at $limit: no
// learner outside the page is read or sorted. With `STARTS WITH` beside `>` instead, the planner chose
// either predicate for the seek and filtered the other, and a cursor deep in a common prefix, or a prefix
// after most ids, read up to every learner (PROFILE, 100,000 learners: 90,052 and 100,001 rows for a page
// of 50). Erased learners have no node (mastery/erase_learner), so they are never listed.
// answers and last_answered_at come from one seek per listed learner of the answer_learner_time index
// (V0013: learner id and answer time), read from the index alone: no answer node is read. Every Answer has
// an answered_at (mastery/create_answers), so the count is all of them. The hint asks for a seek, not only
// that index: without it the planner took, as its statistics went (one test, run to run), the learner-only
// index (answer_learner, V0002; dropped by V0015) and read each answer node for its time, or a scan of the
// whole composite index filtered by learner (PROFILE: 480 index entries read for 3 learners' 120 answers).
// Parameters: $start, $end (strings), $limit (int). Returns: learner_id, answers (integer),
// last_answered_at_s, last_answered_at_us (the newest answer's time; null without answers). Read.
MATCH (l:Learner)
WHERE l.id >= $start AND l.id < $end
WITH l
ORDER BY l.id
LIMIT $limit
WITH l.id AS learner_id
CALL (learner_id) {
  MATCH (a:Answer) USING INDEX SEEK a:Answer(learner_id, answered_at)
  WHERE a.learner_id = learner_id AND a.answered_at IS NOT NULL
  RETURN count(a) AS answers, max(a.answered_at) AS last
}
RETURN learner_id, answers, last.epochSeconds AS last_answered_at_s, last.microsecond AS last_answered_at_us
