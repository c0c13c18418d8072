// Stores a new API key: only the sha256 hash of its secret, never the secret itself.
// $classes: the classes a teacher key is scoped to, or null for an unscoped key (no property is written,
// as on every key stored before classes).
// Parameters: $id, $key_hash, $role, $name, $classes (list of strings or null). Returns: id, name, role,
// classes, created_at, revoked. Write.
CREATE (k:ApiKey {id: $id, key_hash: $key_hash, role: $role, name: $name, created_at: datetime(), revoked: false,
                  classes: $classes})
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked
