// Everything a learner's feedback report shows: every concept of the curricula holding a concept the
// learner has mastery of or a goal on (plus those concepts themselves), with the learner's MASTERY
// (null when never practised), whether it is a goal, and its direct prerequisites.
// Parameters: $learner_id (string). Returns: concept_id, name, curriculum_id, p_mastery, attempts,
// correct, last_practised, as_of, updated_at, model_version, goal (bool), prerequisites (list of concept ids),
// has_tasks (bool: some task exercises it);
// no rows for an unknown learner or one with neither mastery nor goals. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[:MASTERY|HAS_GOAL]->(own:Concept)
// The distinct curricula first, then their concepts: expanding each of the learner's concepts to all
// of its curriculum's made (learner concepts x curriculum size) rows before the DISTINCT.
WITH l, collect(DISTINCT own) AS owned
CALL (owned) {
  UNWIND owned AS own
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
       m.attempts AS attempts, m.correct AS correct, m.last_practised AS last_practised, m.as_of AS as_of,
       m.updated_at AS updated_at, m.model_version AS model_version,
       EXISTS { (l)-[:HAS_GOAL]->(c) } AS goal, prerequisites, EXISTS { (:Task)-[:EXERCISES]->(c) } AS has_tasks
ORDER BY concept_id
