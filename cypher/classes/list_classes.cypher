// One page of classes in id order, from $start (exclusive; '' for the first page), each with its number of
// members (the count of its relationships, no learner read). One range seek of the Class id index.
// Parameters: $after (string), $limit (int). Returns: class_id, name (null: none), members (int). Read.
MATCH (c:Class)
WHERE c.id > $after
WITH c
ORDER BY c.id
LIMIT $limit
RETURN c.id AS class_id, c.name AS name, COUNT { (c)-[:HAS_MEMBER]->() } AS members
