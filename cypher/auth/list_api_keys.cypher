// Every API key, newest first, without hashes (operators see who holds what, not secrets).
// Parameters: none. Returns: id, name, role, classes (empty: unscoped), created_at, revoked. Read.
MATCH (k:ApiKey)
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked
ORDER BY k.created_at DESC, k.id
