// One API key by id, without its hash (`keys create --like`: the key a replacement copies).
// Parameters: $id. Returns: id, name, role, classes (empty: unscoped), created_at, revoked (no row when
// unknown). Read.
MATCH (k:ApiKey {id: $id})
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked
