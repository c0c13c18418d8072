// Looks up a live (not revoked) key by the hash of the secret a client presented.
// Parameters: $key_hash. Returns: id, name, role, classes (the classes a teacher key is scoped to; empty
// for an unscoped key, and for every key stored before classes) (no row when unknown or revoked). Read.
MATCH (k:ApiKey {key_hash: $key_hash})
WHERE NOT k.revoked
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes
