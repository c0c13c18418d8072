// An operator's switch back to a retired model (`kgplatform transfer activate|rollback`), in the
// transaction that first runs lock_transfer_models: the current model becomes 'retired' and the named one
// 'current' in ONE transaction (readers follow the pointer, so they see one model or the other, whole), and
// an audit entry records who did it. Only a 'retired' model qualifies: its edges are whole (a prune claims
// a model, 'deleting', before it deletes any edge). Unlike a publish's switch it does not compare data_at:
// going back to a model of older data is the point. activated_at is set anew, so the plans' input watch
// (planning/list_change_stamps) sees the switch. $hold: publishes are refused until `transfer release`
// (activate_transfer_model), so the next nightly retrain does not replace it.
// Parameters: $version, $actor, $audit_id, $reason (string or null), $hold (bool). Returns: version, previous (list of
// versions retired now) (no row: the version is not 'retired', nothing changed). Write.
MATCH (target:TransferModel {version: $version})
WHERE target.status = 'retired'
OPTIONAL MATCH (old:TransferModel {status: 'current'})
WITH target, collect(old) AS olds
FOREACH (o IN olds | SET o.status = 'retired', o.retired_at = datetime(), o.held_by = null)
SET target.status = 'current', target.activated_at = datetime(), target.retired_at = null,
    target.activated_by = $actor, target.held_by = CASE WHEN $hold THEN $actor ELSE null END
CREATE (a:AuditEntry {id: $audit_id})
SET a.actor = $actor, a.action = 'activate', a.entity_type = 'transfer_model', a.entity_id = $version,
    a.old = CASE WHEN size(olds) = 0 THEN null ELSE [o IN olds | o.version][0] END, a.new = $version,
    a.reason = $reason, a.hold = $hold, a.at = datetime.realtime()
RETURN target.version AS version, [o IN olds | o.version] AS previous
