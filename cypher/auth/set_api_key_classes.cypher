// Sets the classes a teacher key is scoped to, after auth/lock_api_key in the same transaction (which read
// the key and checked it may take them). $classes null removes the property: the key is unscoped, as a key
// made without classes (and every key stored before them) is. Skips a revoked key (a guard: the caller
// refuses one before this runs).
// Parameters: $id, $classes (list of strings, or null). Returns: id, name, role, classes, created_at,
// revoked (no row when unknown or revoked). Write.
MATCH (k:ApiKey {id: $id})
WHERE NOT k.revoked
SET k.classes = $classes
RETURN k.id AS id, k.name AS name, k.role AS role, coalesce(k.classes, []) AS classes,
       k.created_at AS created_at, k.revoked AS revoked
