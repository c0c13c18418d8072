// One page of learners (by id, after $after) with their mastery and goals, columnar so that
// 100,000 learners decode fast. Parameters: $after (string, "" for the first page), $limit (int).
// Returns: learner_id, concepts (ids), p (p_mastery, -1 when missing), peak (p_practised: the value after
// the learner's own last answer, else p), attempts, last_task (the task id of the learner's latest answer
// on each concept, "" when none is kept), as_of_s (epoch
// seconds, with their microseconds as a fraction, of the time p holds at: as_of, else updated_at, as
// the one-learner planner takes it; -1 when unknown), goals (concept ids), interests (tag names),
// mastery_at_s and mastery_at_us (when mastery, goals or interests last changed, as in
// planning/get_input_stamps, as epoch seconds and the microsecond of that second; null when never: the
// driver takes about 60 us of CPU to decode one datetime, as long as the rest of a learner's row). Read.
MATCH (l:Learner)
WHERE l.id > $after
WITH l ORDER BY l.id LIMIT $limit
CALL (l) {
  MATCH (l)-[m:MASTERY]->(c:Concept)
  WITH c, m, coalesce(m.as_of, m.updated_at) AS held_at
  // peak: the value after the learner's own last answer (p_practised; transfer leaves it), which the
  // planner judges "mastered before" and reviews from; p where never answered on or stored before it was.
  RETURN collect(c.id) AS concepts, collect(coalesce(m.p_mastery, -1.0)) AS p,
         collect(coalesce(m.p_practised, m.p_mastery, -1.0)) AS peak,
         collect(coalesce(m.attempts, 0)) AS attempts,
         // the task of the learner's latest answer on the concept ("" when none is kept: never answered
         // on, or stored before it was), which the planner passes over when another task fits as well
         collect(coalesce(m.last_task_id, '')) AS last_task,
         collect(coalesce(held_at.epochSeconds + held_at.microsecond / 1000000.0, -1.0)) AS as_of_s,
         max(m.updated_at) AS updated_at
}
WITH l, concepts, p, peak, attempts, last_task, as_of_s,
     CASE WHEN l.updated_at IS NULL OR updated_at > l.updated_at THEN updated_at ELSE l.updated_at END
       AS mastery_at
RETURN l.id AS learner_id, concepts, p, peak, attempts, last_task, as_of_s,
       COLLECT { MATCH (l)-[:HAS_GOAL]->(g:Concept) RETURN g.id } AS goals,
       COLLECT { MATCH (l)-[:INTERESTED_IN]->(t:Tag) RETURN t.name } AS interests,
       mastery_at.epochSeconds AS mastery_at_s, mastery_at.microsecond AS mastery_at_us
// Ordered again: the caller pages on the last learner_id of a page, and Cypher does not promise that a
// CALL subquery keeps its input's order (today's runtimes do; a changed plan would skip learners).
ORDER BY learner_id
