// When a plan's inputs last changed, to tell whether a stored plan is stale: the learner's mastery and
// goals, the curriculum (its audit trail records every create/update/delete, and every import that changed
// something), and the transfer model (the CURRENT model, by its pointer as in transfer/get_current_transfer,
// when it has edges among the curriculum's concepts: a retired model's edges outlive the switch and a model
// being written is not current).
// Parameters: $learner_id (string), $curriculum_id (string). Returns one row: learner_exists (bool),
// mastery_at_s/_us and curriculum_at_s/_us (epoch seconds and the microsecond of that second, null when
// never: read on every plan request, and the driver's datetimes cost about 60 us of CPU each),
// transfer_version (string or null). Read.
OPTIONAL MATCH (l:Learner {id: $learner_id})
CALL (l) {
  OPTIONAL MATCH (l)-[m:MASTERY]->(:Concept)
  RETURN max(m.updated_at) AS mastery_at
}
CALL () {
  // The newest entry by the (curriculum_id, at) index's order (V0009), not a max over the whole trail.
  OPTIONAL MATCH (a:AuditEntry {curriculum_id: $curriculum_id})
  WHERE a.at IS NOT NULL
  WITH a ORDER BY a.at DESC LIMIT 1
  RETURN a.at AS audit_at
}
CALL () {
  OPTIONAL MATCH (cur:Curriculum {id: $curriculum_id})
  RETURN max(cur.updated_at) AS curriculum_updated_at
}
CALL () {
  OPTIONAL MATCH (m:TransferModel {status: 'current'})
  WITH m ORDER BY m.activated_at DESC LIMIT 1
  // The edges planning/list_curriculum_transfer_edges reads: both ends in the curriculum.
  OPTIONAL MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(:Concept)-[t:TRANSFERS_TO]->(d:Concept)
  WHERE t.model_version = m.version AND d.curriculum_id = $curriculum_id
  WITH t ORDER BY t.computed_at DESC LIMIT 1
  RETURN t.model_version AS transfer_version
}
WITH l, transfer_version,
     CASE WHEN l.updated_at IS NULL OR mastery_at > l.updated_at THEN mastery_at ELSE l.updated_at END
       AS mastery_at,
     CASE WHEN curriculum_updated_at IS NULL OR audit_at > curriculum_updated_at THEN audit_at
          ELSE curriculum_updated_at END AS curriculum_at
RETURN l IS NOT NULL AS learner_exists,
       mastery_at.epochSeconds AS mastery_at_s, mastery_at.microsecond AS mastery_at_us,
       curriculum_at.epochSeconds AS curriculum_at_s, curriculum_at.microsecond AS curriculum_at_us,
       transfer_version
