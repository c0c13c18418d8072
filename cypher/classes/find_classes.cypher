// Which of $class_ids are stored classes (a roster was sent for them), for `keys create --class` to warn
// of a class with no roster yet: a misspelt one gives a key that reads nobody.
// Parameters: $class_ids (list of strings). Returns: class_id, one row per stored class among them. Read.
MATCH (c:Class)
WHERE c.id IN $class_ids
RETURN c.id AS class_id
