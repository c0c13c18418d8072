// One page of the learners a batch for one curriculum may plan there: each learner with a goal or a
// mastered concept in $curriculum_id and an id after $after, in id order, with how many of their goals and
// mastered concepts each curriculum holds, so that the fan-out keeps those whose default curriculum is
// $curriculum_id by planning/jobs.py's `default_curriculum`, the rule by which a chunk skips the learners
// of another curriculum (a learner with goals in two curricula touches both and is planned in one).
// Found from the curriculum's concepts (index concept_curriculum, V0022) through their HAS_GOAL and
// MASTERY relationships: the learners of other curricula are never read. Paged (since 5 December 2026;
// before, one row held every learner's counts): each page walks the curriculum's relationships again but
// keeps only the $limit smallest ids after $after (a top-k, not a sort of them all), and the counts are
// read for that page's learners only, so neither the server nor the fan-out holds more than a page of
// counts. Learners with neither goals nor mastery are listed by jobs/list_learners_without_curriculum.
// One row per page, as jobs/list_learner_ids returns (a record per learner cost the driver about 50 us
// each).
// Parameters: $curriculum_id (string), $after (string, "" for the first page), $limit (int). Returns one
// row: learner_ids (a list in id order; shorter than $limit on the last page), counts (parallel to
// learner_ids: per learner a list of [curriculum_id, goals, practised] triples, one per curriculum holding
// one of their goals or mastered concepts; a concept without a curriculum_id counts for none, as a chunk
// counts it). Read.
MATCH (:Concept {curriculum_id: $curriculum_id})<-[:HAS_GOAL|MASTERY]-(l:Learner)
WITH DISTINCT l
WHERE l.id > $after
WITH l
ORDER BY l.id
LIMIT $limit
CALL (l) {
  MATCH (l)-[r:HAS_GOAL|MASTERY]->(c:Concept)
  WHERE c.curriculum_id IS NOT NULL
  WITH c.curriculum_id AS curriculum_id,
       count(CASE WHEN type(r) = 'HAS_GOAL' THEN 1 END) AS goals,
       count(CASE WHEN type(r) = 'MASTERY' THEN 1 END) AS practised
  RETURN collect([curriculum_id, goals, practised]) AS counts
}
WITH l.id AS learner_id, counts
ORDER BY learner_id
RETURN collect(learner_id) AS learner_ids, collect(counts) AS counts
