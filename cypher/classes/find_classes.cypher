// Which of $class_ids are stored classes (a roster was sent for them) and their names: for `keys create
// --class` to warn of a class with no roster yet (a misspelt one gives a key that reads nobody), and for
// GET /api-keys/me to name a key's classes, all of them in this one read.
// Parameters: $class_ids (list of strings). Returns: class_id, name (null: none), one row per stored class
// among them, in no order. Read.
MATCH (c:Class)
WHERE c.id IN $class_ids
RETURN c.id AS class_id, c.name AS name
