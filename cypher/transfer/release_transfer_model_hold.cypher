// Ends an operator's hold on the current model (`kgplatform transfer release`): publishes switch again.
// Recorded as an audit entry. Parameters: $actor, $audit_id. Returns: version, held_by (who had held it)
// (no row: the current model is not held, nothing changed). Write.
MATCH (m:TransferModel {status: 'current'})
WHERE m.held_by IS NOT NULL
WITH m, m.held_by AS held_by
SET m.held_by = null
CREATE (a:AuditEntry {id: $audit_id})
SET a.actor = $actor, a.action = 'release', a.entity_type = 'transfer_model', a.entity_id = m.version,
    a.old = held_by, a.new = null, a.at = datetime.realtime()
RETURN m.version AS version, held_by
