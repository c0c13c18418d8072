// Sets a class's display name (null: none), creating the class, empty, on first sight (as a roster PUT
// would: a platform may name a class before sending its roster). Run after classes/lock_class in the same
// transaction, whose lock is held before the name is read, so two renames run one after the other and each
// reads the name the other left (for its audit entry, classes/create_roster_change, in the same transaction).
// Parameters: $class_id (string), $name (string or null), $now (datetime). Returns: class_id, name,
// name_before (null: none), class_created (boolean), members (int). Write.
MERGE (c:Class {id: $class_id})
  ON CREATE SET c.created_at = $now
SET c.updated_at = $now
WITH c, c.created_at = $now AS class_created, c.name AS name_before
SET c.name = $name
RETURN c.id AS class_id, c.name AS name, name_before, class_created,
       COUNT { (c)-[:HAS_MEMBER]->(:Learner) } AS members
