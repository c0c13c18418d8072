// When each curriculum last changed (its newest audit entry, or its own updated_at, as
// planning/get_input_stamps dates it), whether it holds edges of the current transfer model, and when that
// model was switched on: what a cached plan's cache hit cannot read from Redis (api/inputs_watch polls it).
// A plan records the model's version only when the model has edges in its curriculum (get_input_stamps):
// the watch compares it with that same effective version, or every plan of a curriculum without edges
// read as stale on every hit. Parameters: none. Returns one row: curricula (list of [curriculum_id,
// changed_at, has_transfer]), transfer_version (string or null), transfer_at (datetime or null). Read.
CALL () {
  OPTIONAL MATCH (m:TransferModel {status: 'current'})
  WITH m ORDER BY m.activated_at DESC LIMIT 1
  RETURN m.version AS transfer_version, m.activated_at AS transfer_at
}
CALL (transfer_version) {
  OPTIONAL MATCH (cur:Curriculum)
  CALL (cur) {
    // The newest entry by the (curriculum_id, at) index's order (V0009), not a max over the whole trail.
    OPTIONAL MATCH (a:AuditEntry {curriculum_id: cur.id})
    WHERE a.at IS NOT NULL
    WITH a ORDER BY a.at DESC LIMIT 1
    RETURN a.at AS audit_at
  }
  WITH cur,
       CASE WHEN cur.updated_at IS NULL OR audit_at > cur.updated_at THEN audit_at ELSE cur.updated_at END
         AS changed_at,
       transfer_version IS NOT NULL AND EXISTS {
         MATCH (cur)-[:CONTAINS]->(:Concept)-[t:TRANSFERS_TO]->(d:Concept)
         WHERE t.model_version = transfer_version AND d.curriculum_id = cur.id
       } AS has_transfer
  RETURN [row IN collect([cur.id, changed_at, has_transfer]) WHERE row[0] IS NOT NULL] AS curricula
}
RETURN curricula, transfer_version, transfer_at
