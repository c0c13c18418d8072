// For one page of learners a batch for one curriculum may plan (jobs/list_curriculum_learners), how many of
// each one's goals and of their mastered concepts each curriculum holds: planning/jobs.py's
// `default_curriculum`'s input, read a page at a time so that neither the server nor the fan-out holds
// every learner's counts at once (since 5 December 2026). A learner deleted since their id was listed is
// left out.
// Parameters: $learner_ids (list of strings). Returns one row: learner_ids (those found), counts (parallel
// to learner_ids: per learner a list of [curriculum_id, goals, practised] triples, one per curriculum
// holding one of their goals or mastered concepts; a concept without a curriculum_id counts for none, as a
// chunk counts it). Read.
UNWIND $learner_ids AS learner_id
MATCH (l:Learner {id: learner_id})
CALL (l) {
  MATCH (l)-[r:HAS_GOAL|MASTERY]->(c:Concept)
  WHERE c.curriculum_id IS NOT NULL
  WITH c.curriculum_id AS curriculum_id,
       count(CASE WHEN type(r) = 'HAS_GOAL' THEN 1 END) AS goals,
       count(CASE WHEN type(r) = 'MASTERY' THEN 1 END) AS practised
  RETURN collect([curriculum_id, goals, practised]) AS counts
}
RETURN collect(l.id) AS learner_ids, collect(counts) AS counts
