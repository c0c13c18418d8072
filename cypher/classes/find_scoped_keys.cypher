// The live (unrevoked) teacher keys scoped to a class: a class they are scoped to is not deleted
// (classes/delete_class) until it is taken off them or they are revoked, or they would be left naming a class
// that is gone, and read the next class given its id. Run before the deletion in its transaction (after
// classes/lock_stored_class), and on its own by `classes delete` before it asks. A label scan of the keys
// (tens to hundreds; `classes` is a list, which no index serves).
// Parameters: $class_id (string). Returns: key_id, name, classes (the key's classes, in its order), one row
// per key, by name then id. Read.
MATCH (k:ApiKey)
WHERE NOT k.revoked AND $class_id IN k.classes
RETURN k.id AS key_id, k.name AS name, k.classes AS classes
ORDER BY name, key_id
