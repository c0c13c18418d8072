// Deletes a class and its roster (its HAS_MEMBER relationships); its learners stay. Run after
// classes/lock_stored_class and classes/find_scoped_keys in the same transaction (its lock held, the class
// known to be there, no live key scoped to it: the caller refuses the deletion otherwise).
// Parameters: $class_id (string). Returns: class_id, name (the class's name, null: none), members (count
// the roster held), member_ids (their ids); name and member_ids are for the audit entry
// (classes/create_roster_change), which outlives the class. No row when the class is unknown. Write.
MATCH (c:Class {id: $class_id})
WITH c, c.id AS class_id, c.name AS name,
     COLLECT { MATCH (c)-[:HAS_MEMBER]->(l:Learner) RETURN l.id } AS member_ids
DETACH DELETE c
RETURN class_id, name, size(member_ids) AS members, member_ids
