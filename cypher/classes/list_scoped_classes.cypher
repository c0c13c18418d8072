// The stored classes among $class_ids (a scoped teacher key's, at most 100), each with its number of
// members, for that key's page of GET /classes. The page is picked in Python, by code point: Neo4j compares
// a stored id with a parameter by UTF-16 units but sorts by code point (the scoped learner list's lesson).
// Parameters: $class_ids (list of strings). Returns: class_id, name (null: none), members (int); one row per stored class
// among them, in no order (none for a class no roster was sent for). Read.
MATCH (c:Class)
WHERE c.id IN $class_ids
RETURN c.id AS class_id, c.name AS name, COUNT { (c)-[:HAS_MEMBER]->() } AS members
