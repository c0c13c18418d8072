// Replaces a class's roster with $learner_ids, creating the class, and every learner not stored yet (as
// PUT goals does: a pupil joins a class before their first answer), on first sight. The SET on the class
// takes its write lock first, so two PUTs of one roster run one after the other and the last one wins
// whole. Learners are merged in the order given (the caller sorts them), so two rosters sharing learners
// lock them in one order.
// Parameters: $class_id (string), $learner_ids (list of distinct strings, sorted), $now (datetime).
// Returns: class_id, members (count after), added, removed, created (learners created here). Write.
MERGE (c:Class {id: $class_id})
  ON CREATE SET c.created_at = $now
SET c.updated_at = $now
WITH c
CALL (c) {
  OPTIONAL MATCH (c)-[m:HAS_MEMBER]->(l:Learner)
  WHERE NOT l.id IN $learner_ids
  DELETE m
  RETURN count(m) AS removed
}
CALL (c) {
  UNWIND $learner_ids AS learner_id
  MERGE (l:Learner {id: learner_id})
    ON CREATE SET l.created_at = $now, l.updated_at = $now
  WITH c, l, l.created_at = $now AS created, EXISTS { (c)-[:HAS_MEMBER]->(l) } AS was_member
  MERGE (c)-[m:HAS_MEMBER]->(l)
    ON CREATE SET m.added_at = $now
  RETURN count(CASE WHEN was_member THEN null ELSE 1 END) AS added,
         count(CASE WHEN created THEN 1 END) AS created
}
RETURN c.id AS class_id, COUNT { (c)-[:HAS_MEMBER]->(:Learner) } AS members, added, removed, created
