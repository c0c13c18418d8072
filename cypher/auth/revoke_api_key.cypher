// Revokes a key for good (kept, marked revoked, so the audit trail's actor names stay explainable).
// Parameters: $id. Returns: id, name, role, classes, created_at, revoked, key_hash (no row when unknown).
// Write.
MATCH (k:ApiKey {id: $id})
SET k.revoked = true, k.revoked_at = coalesce(k.revoked_at, datetime())
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked, k.key_hash AS key_hash
