// Looks up a key by the hash of the secret a client presented, revoked or not (a revoked one is refused,
// and its use logged for the operator).
// Parameters: $key_hash. Returns: id, name, role, classes (the classes a teacher key is scoped to; empty
// for an unscoped key, and for every key stored before classes), revoked (no row when unknown). Read.
MATCH (k:ApiKey {key_hash: $key_hash})
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes, k.revoked AS revoked
