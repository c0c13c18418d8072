// Deletes a class and its roster (its HAS_MEMBER relationships); its learners stay, as do keys scoped to
// it, which then read none of them until a roster of that id is sent again.
// Parameters: $class_id (string). Returns: class_id, members (count the roster held), member_ids (their
// ids, for the audit entry, classes/create_roster_change); no row when the class is unknown. Write.
MATCH (c:Class {id: $class_id})
WITH c, c.id AS class_id, COLLECT { MATCH (c)-[:HAS_MEMBER]->(l:Learner) RETURN l.id } AS member_ids
DETACH DELETE c
RETURN class_id, size(member_ids) AS members, member_ids
