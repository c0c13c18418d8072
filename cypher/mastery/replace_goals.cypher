// Replaces a learner's goals (target concepts). Run after mastery/lock_learner in the same transaction,
// with $now taken once that lock is held. Goals kept keep their created_at. The learner's updated_at (an
// input stamp of its plan) moves only when the set of goals changes: the same goals sent again leave the
// plan fresh. Parameters: $learner_id (string), $concept_ids (list of distinct existing concept ids), $now
// (datetime). Returns: goals (the learner's goal concept ids after the change), changed (bool). Write.
MATCH (l:Learner {id: $learner_id})
WITH l, COLLECT { MATCH (l)-[:HAS_GOAL]->(c:Concept) RETURN c.id } AS before
WITH l, NOT (size(before) = size($concept_ids) AND all(x IN $concept_ids WHERE x IN before)) AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END | SET l.updated_at = $now)
WITH l, changed
OPTIONAL MATCH (l)-[old:HAS_GOAL]->(dropped:Concept)
WHERE NOT dropped.id IN $concept_ids
DELETE old
WITH DISTINCT l, changed
OPTIONAL MATCH (c:Concept) WHERE c.id IN $concept_ids
FOREACH (_ IN CASE WHEN c IS NULL THEN [] ELSE [1] END |
  MERGE (l)-[g:HAS_GOAL]->(c) ON CREATE SET g.created_at = $now)
RETURN [x IN collect(c.id) WHERE x IS NOT NULL] AS goals, changed
