// A learner's own part of their feedback report; the structure of the curricula it covers is read apart
// (mastery/get_report_curricula) and kept between requests while their stamps, returned here, stay the
// same (mastery/report_structure.py): reading 1,500 concepts' prerequisites, tasks and tags on every
// request was most of the report's time. The curricula covered, as mastery/get_report_concepts chooses
// them: those holding a concept the learner has mastery of or a goal on; for a learner with neither, those
// holding a concept that carries one of their interests (tags, whatever their case and surrounding spaces).
// Parameters: $learner_id (string). Returns one row, none when the learner is unknown: interests (tag
// names), curricula (ids of the curricula covered), own (one list per concept the learner has mastery of
// or a goal on, in concept id order: concept_id, p_mastery, attempts, correct, model_version,
// last_practised_s/_us, as_of_s/_us, updated_at_s/_us, goal, p_practised, as mastery/store.py's OWN_FIELDS;
// mastery values null for a goal without mastery), loose (those of them no curriculum holds, as
// get_report_curricula lists a concept), stamps (every curriculum, in id order: [id, newest audit entry's
// at _s/_us, updated_at _s/_us, created_at _s/_us]), revision (the structure's, or null). Read.
MATCH (l:Learner {id: $learner_id})
CALL (l) {
  OPTIONAL MATCH (l)-[:INTERESTED_IN]->(t:Tag)
  RETURN collect(t.name) AS interests
}
OPTIONAL MATCH (l)-[:MASTERY|HAS_GOAL]->(own:Concept)
WITH l, interests, collect(DISTINCT own) AS owned
// Only without mastery and goals: a scan of the concepts' tags (no index holds list members), as
// mastery/get_report_concepts does (its comments say why each step is so).
CALL (l, owned) {
  WITH l, owned
  WHERE size(owned) = 0
  MATCH (l)-[:INTERESTED_IN]->(t:Tag)
  WITH collect(toLower(trim(t.name))) AS keys
  WHERE size(keys) > 0
  MATCH (liked:Concept)
  WHERE any(tag IN coalesce(liked.tags, []) WHERE toLower(trim(tag)) IN keys)
  RETURN collect(DISTINCT liked) AS liked
}
CALL (owned, liked) {
  UNWIND owned + liked AS own
  MATCH (own)<-[:CONTAINS]-(cur:Curriculum)
  WITH DISTINCT cur.id AS id ORDER BY id
  RETURN collect(id) AS curricula
}
CALL (l, owned) {
  UNWIND owned AS c
  OPTIONAL MATCH (l)-[m:MASTERY]->(c)
  WITH c, m ORDER BY c.id
  RETURN collect([c.id, m.p_mastery, m.attempts, m.correct, m.model_version,
                  m.last_practised.epochSeconds, m.last_practised.microsecond,
                  m.as_of.epochSeconds, m.as_of.microsecond,
                  m.updated_at.epochSeconds, m.updated_at.microsecond,
                  EXISTS { (l)-[:HAS_GOAL]->(c) }, m.p_practised]) AS own
}
CALL (owned) {
  UNWIND owned AS c
  WITH c WHERE NOT EXISTS { (:Curriculum)-[:CONTAINS]->(c) }
  RETURN collect([c.id, c.name, c.curriculum_id,
                  COLLECT { MATCH (p:Concept)-[:PREREQUISITE_OF]->(c) RETURN DISTINCT p.id AS id ORDER BY id },
                  EXISTS { (:Task)-[:EXERCISES]->(c) }, coalesce(c.tags, [])]) AS loose
}
CALL () {
  OPTIONAL MATCH (cur:Curriculum)
  CALL (cur) {
    // The newest entry by the (curriculum_id, at) index's order (V0009), not a max over the whole trail.
    OPTIONAL MATCH (a:AuditEntry {curriculum_id: cur.id})
    WHERE a.at IS NOT NULL
    WITH a ORDER BY a.at DESC LIMIT 1
    RETURN a.at AS audit_at
  }
  WITH cur, audit_at ORDER BY cur.id
  RETURN collect([cur.id, audit_at.epochSeconds, audit_at.microsecond, cur.updated_at.epochSeconds,
                  cur.updated_at.microsecond, cur.created_at.epochSeconds, cur.created_at.microsecond])
    AS stamps
}
CALL () {
  OPTIONAL MATCH (r:CurriculumRevision {id: 'structure'})
  RETURN max(r.version) AS revision
}
RETURN interests, curricula, own, loose, stamps, revision
