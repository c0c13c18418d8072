// Stores a new API key: only the sha256 hash of its secret, never the secret itself.
// Parameters: $id, $key_hash, $role, $name. Returns: id, name, role, created_at, revoked. Write.
CREATE (k:ApiKey {id: $id, key_hash: $key_hash, role: $role, name: $name, created_at: datetime(), revoked: false})
RETURN k.id AS id, k.name AS name, k.role AS role, k.created_at AS created_at, k.revoked AS revoked
