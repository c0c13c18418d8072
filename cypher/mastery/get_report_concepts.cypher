// Everything a learner's feedback report shows: every concept of the curricula holding a concept the
// learner has mastery of or a goal on (plus those concepts themselves), with the learner's MASTERY
// (null when never practised), whether it is a goal, and its direct prerequisites. A learner with neither
// mastery nor goals yet gets the curricula holding a concept that carries one of their interests (tags),
// so that the report can say where they would start instead of saying nothing.
// Parameters: $learner_id (string). Returns: concept_id, name, curriculum_id, p_mastery, attempts,
// correct, model_version, last_practised_s/_us, as_of_s/_us, updated_at_s/_us (epoch seconds and the
// microsecond, as mastery/get_learner_mastery), goal (bool), prerequisites (list of concept ids),
// has_tasks (bool: some task exercises it), tags (the concept's tags, a list);
// no rows for an unknown learner or one with neither mastery, goals nor a matching interest. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[:MASTERY|HAS_GOAL]->(own:Concept)
WITH l, collect(DISTINCT own) AS owned
// Only without mastery and goals: a scan of the concepts' tags (no index holds list members), for few learners.
CALL (l, owned) {
  WITH l, owned
  WHERE size(owned) = 0
  MATCH (l)-[:INTERESTED_IN]->(t:Tag)
  MATCH (liked:Concept)
  WHERE t.name IN coalesce(liked.tags, [])
  RETURN collect(DISTINCT liked) AS liked
}
// The distinct curricula first, then their concepts: expanding each of the learner's concepts to all
// of its curriculum's made (learner concepts x curriculum size) rows before the DISTINCT.
CALL (owned, liked) {
  UNWIND owned + liked AS own
  MATCH (own)<-[:CONTAINS]-(cur:Curriculum)
  WITH DISTINCT cur
  MATCH (cur)-[:CONTAINS]->(sibling:Concept)
  RETURN collect(sibling) AS siblings
}
WITH l, owned + siblings AS concepts
UNWIND concepts AS c
WITH DISTINCT l, c
OPTIONAL MATCH (l)-[m:MASTERY]->(c)
OPTIONAL MATCH (p:Concept)-[:PREREQUISITE_OF]->(c)
WITH l, c, m, collect(DISTINCT p.id) AS prerequisites
RETURN c.id AS concept_id, c.name AS name, c.curriculum_id AS curriculum_id, m.p_mastery AS p_mastery,
       m.attempts AS attempts, m.correct AS correct, m.model_version AS model_version,
       m.last_practised.epochSeconds AS last_practised_s, m.last_practised.microsecond AS last_practised_us,
       m.as_of.epochSeconds AS as_of_s, m.as_of.microsecond AS as_of_us,
       m.updated_at.epochSeconds AS updated_at_s, m.updated_at.microsecond AS updated_at_us,
       EXISTS { (l)-[:HAS_GOAL]->(c) } AS goal, prerequisites, EXISTS { (:Task)-[:EXERCISES]->(c) } AS has_tasks,
       coalesce(c.tags, []) AS tags
ORDER BY concept_id
