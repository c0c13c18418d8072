// The mastery and goals of the given learners, in the columnar shape of planning/read_mastery_page plus
// the curriculum of each mastered concept and goal (a chunk plans each learner in the curriculum of most of
// their goals, else of their mastery: the rule of planning/find_learner_curriculum, applied by
// planning/jobs.py's `learner_curriculum`). Parameters: $learner_ids (list of
// strings). Returns: learner_id, concepts (ids), p (p_mastery, -1 when missing), peak (as
// planning/read_mastery_page), attempts, last_task (as planning/read_mastery_page), as_of_s
// (epoch seconds, with their microseconds as a fraction, of the time p holds at: as_of, else
// updated_at, as planning/read_mastery_page; -1 when unknown), curricula (curriculum_id per mastered
// concept), goals (concept ids), goal_curricula, interests (tag names), mastery_at_s and mastery_at_us
// (when mastery, goals or interests last changed, as planning/read_mastery_page; null when never);
// unknown ids give no row. Read.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
// The learner's stamp before its goals and interests (a goals edit sets both in one transaction): under
// read-committed isolation, reading it after them could pair the old goals with the new stamp, and that
// plan would pass for fresh (the stamps-before-inputs rule of planning/bulk.py).
WITH l, l.updated_at AS learner_at
// MATCH, not OPTIONAL MATCH: the aggregation still returns one row (empty lists) for a learner with no
// mastery, where OPTIONAL MATCH collected one null row into the coalesced columns (p: [-1.0] beside
// concepts: []), misaligning them.
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
         collect(c.curriculum_id) AS curricula, max(m.updated_at) AS updated_at
}
CALL (l) {
  OPTIONAL MATCH (l)-[:HAS_GOAL]->(g:Concept)
  RETURN collect(g.id) AS goals, collect(g.curriculum_id) AS goal_curricula
}
WITH l, concepts, p, peak, attempts, last_task, as_of_s, curricula, goals, goal_curricula,
     CASE WHEN learner_at IS NULL OR updated_at > learner_at THEN updated_at ELSE learner_at END AS mastery_at
RETURN l.id AS learner_id, concepts, p, peak, attempts, last_task, as_of_s, curricula, goals, goal_curricula,
       COLLECT { MATCH (l)-[:INTERESTED_IN]->(t:Tag) RETURN t.name } AS interests,
       mastery_at.epochSeconds AS mastery_at_s, mastery_at.microsecond AS mastery_at_us
