// Deletes a class and its roster (its HAS_MEMBER relationships); its learners stay, as do keys scoped to
// it, which then read none of them until a roster of that id is sent again.
// Parameters: $class_id (string). Returns: class_id, members (count the roster held); no row when the
// class is unknown. Write.
MATCH (c:Class {id: $class_id})
WITH c, c.id AS class_id, COUNT { (c)-[:HAS_MEMBER]->() } AS members
DETACH DELETE c
RETURN class_id, members
