// One page of learners for a teacher looking one up, in id order: ids from $start (inclusive) up to $end
// (exclusive). `mastery.roster.id_range` turns a prefix and a cursor into these two bounds, so the page is
// one range seek of the Learner id constraint's index (V0001), read in order and stopped at $limit: no
// learner outside the page is read or sorted. With `STARTS WITH` beside `>` instead, the planner chose
// either predicate for the seek and filtered the other, and a cursor deep in a common prefix, or a prefix
// after most ids, read up to every learner (PROFILE, 100,000 learners: 90,052 and 100,001 rows for a page
// of 50). Erased learners have no node (mastery/erase_learner), so they are never listed.
// answers counts the learner's Answer nodes through the answer_learner index (V0002): one seek per listed
// learner, not a read of their answers.
// Parameters: $start, $end (strings), $limit (int). Returns: learner_id, answers (integer). Read.
MATCH (l:Learner)
WHERE l.id >= $start AND l.id < $end
WITH l
ORDER BY l.id
LIMIT $limit
RETURN l.id AS learner_id, COUNT { MATCH (a:Answer) WHERE a.learner_id = l.id } AS answers
