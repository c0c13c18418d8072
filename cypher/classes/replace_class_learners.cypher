// Replaces a class's roster with $learner_ids, creating the class on first sight. Run after
// classes/lock_class_learners in the same transaction, which created the learners not stored yet (as PUT
// goals does: a pupil joins a class before their first answer) and locked them all, so none can be erased
// before its membership is written, and after classes/lock_class, which did the same for the class. The SET on the class takes its write lock, so two PUTs of one roster
// run one after the other and the last one wins whole.
// Parameters: $class_id (string), $learner_ids (list of distinct strings, sorted), $now (datetime: the
// moment classes/lock_class_learners was given). Returns: class_id, members (count after), added,
// removed, created (learners created at $now, by that statement), added_ids and removed_ids (the ids
// behind the counts, for the audit entry, classes/create_roster_change), class_created (boolean). Write.
MERGE (c:Class {id: $class_id})
  ON CREATE SET c.created_at = $now
SET c.updated_at = $now
WITH c, c.created_at = $now AS class_created
CALL (c) {
  OPTIONAL MATCH (c)-[m:HAS_MEMBER]->(l:Learner)
  WHERE NOT l.id IN $learner_ids
  DELETE m
  RETURN collect(l.id) AS removed_ids
}
CALL (c) {
  UNWIND $learner_ids AS learner_id
  MERGE (l:Learner {id: learner_id})
    ON CREATE SET l.created_at = $now, l.updated_at = $now
  WITH c, l, l.created_at = $now AS created, EXISTS { (c)-[:HAS_MEMBER]->(l) } AS was_member
  MERGE (c)-[m:HAS_MEMBER]->(l)
    ON CREATE SET m.added_at = $now
  RETURN collect(CASE WHEN was_member THEN null ELSE l.id END) AS added_ids,
         count(CASE WHEN created THEN 1 END) AS created
}
RETURN c.id AS class_id, COUNT { (c)-[:HAS_MEMBER]->(:Learner) } AS members, size(added_ids) AS added,
       size(removed_ids) AS removed, created, added_ids, removed_ids, class_created
