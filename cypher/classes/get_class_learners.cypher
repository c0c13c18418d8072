// A class's roster: its members' ids in id order, and the class's name.
// Parameters: $class_id (string). Returns: class_id, name (null: none), learner_ids (list of strings); no
// row when the class is unknown. Read.
MATCH (c:Class {id: $class_id})
RETURN c.id AS class_id, c.name AS name,
       COLLECT { MATCH (c)-[:HAS_MEMBER]->(l:Learner) RETURN l.id ORDER BY l.id } AS learner_ids
