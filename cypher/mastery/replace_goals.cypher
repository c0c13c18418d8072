// Replaces a learner's goals (target concepts). Run after mastery/lock_learner in the same transaction,
// with $now taken once that lock is held. Goals kept keep their created_at. Parameters: $learner_id
// (string), $concept_ids (list of existing concept ids), $now (datetime). Returns: goals (the learner's
// goal concept ids after the change). Write.
MATCH (l:Learner {id: $learner_id})
SET l.updated_at = $now
WITH l
OPTIONAL MATCH (l)-[old:HAS_GOAL]->(dropped:Concept)
WHERE NOT dropped.id IN $concept_ids
DELETE old
WITH DISTINCT l
OPTIONAL MATCH (c:Concept) WHERE c.id IN $concept_ids
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END |
  MERGE (l)-[g:HAS_GOAL]->(c) ON CREATE SET g.created_at = $now)
RETURN [x IN collect(c.id) WHERE x IS NOT NULL] AS goals
