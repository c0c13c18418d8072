// Reads a key and takes its write lock, before auth/set_api_key_classes or auth/revoke_api_key in the same
// transaction (a revocation reads whether the key was revoked already, so it is audited once): two changes
// of one key's classes (each computed in Python from what this read) then run one after the other, so an
// `add_classes` cannot lose a class another change added meanwhile.
// Parameters: $id. Returns: id, name, role, classes (empty: unscoped), created_at, revoked, key_hash (no row
// when unknown). Write.
MATCH (k:ApiKey {id: $id})
SET k.id = k.id
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked, k.key_hash AS key_hash
