// Everything a learner's feedback report shows: every concept of the curricula holding a concept the
// learner has mastery of or a goal on (plus those concepts themselves), with the learner's MASTERY
// (null when never practised), whether it is a goal, and its direct prerequisites. A learner with neither
// mastery nor goals yet gets the curricula holding a concept that carries one of their interests (tags),
// so that the report can say where they would start instead of saying nothing.
// Parameters: $learner_id (string). Returns one row, `concepts`: a list with one list per concept, in
// concept id order, of: concept_id, name, curriculum_id, p_mastery, attempts, correct, model_version,
// last_practised_s/_us, as_of_s/_us, updated_at_s/_us (epoch seconds and the microsecond, as
// mastery/get_learner_mastery), goal (bool), prerequisites (list of concept ids), has_tasks (bool: some
// task exercises it), tags (the concept's tags, a list), p_practised (the value after the learner's own
// last answer, which transfer leaves; null when never answered on or stored before it was), in the order
// of mastery/store.py's REPORT_FIELDS.
// One row, not one per concept: a report reads whole curricula, and the driver's per-record cost for 1,000
// rows was about as much as the query. An empty list for an unknown learner or one with neither mastery,
// goals nor a matching interest. Read.
MATCH (l:Learner {id: $learner_id})
OPTIONAL MATCH (l)-[:MASTERY|HAS_GOAL]->(own:Concept)
WITH l, collect(DISTINCT own) AS owned
// Only without mastery and goals: a scan of the concepts' tags (no index holds list members), for few learners.
// Tags match whatever their case and surrounding spaces, as the planner's `graph.tag_key` matches them
// (Cypher's toLower stands in for Python's casefold: they differ only for a few letters such as "ß").
CALL (l, owned) {
  WITH l, owned
  WHERE size(owned) = 0
  MATCH (l)-[:INTERESTED_IN]->(t:Tag)
  // An aggregation over no rows still gives one (keys = []): stop there, or the scan below ran over every
  // concept for every learner who has mastery or goals.
  WITH collect(toLower(trim(t.name))) AS keys
  WHERE size(keys) > 0
  MATCH (liked:Concept)
  WHERE any(tag IN coalesce(liked.tags, []) WHERE toLower(trim(tag)) IN keys)
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
// In id order: the report breaks ties between blockers in the order it walks these (collect's order
// was the store's, so one graph could list x, y or y, x).
WITH l, c, m, COLLECT { MATCH (p:Concept)-[:PREREQUISITE_OF]->(c) RETURN DISTINCT p.id AS id ORDER BY id }
  AS prerequisites
ORDER BY c.id
RETURN collect([c.id, c.name, c.curriculum_id, m.p_mastery, m.attempts, m.correct, m.model_version,
                m.last_practised.epochSeconds, m.last_practised.microsecond,
                m.as_of.epochSeconds, m.as_of.microsecond,
                m.updated_at.epochSeconds, m.updated_at.microsecond,
                EXISTS { (l)-[:HAS_GOAL]->(c) }, prerequisites, EXISTS { (:Task)-[:EXERCISES]->(c) },
                coalesce(c.tags, []), m.p_practised]) AS concepts
