// Replaces a learner's interests (tags, created on first use). Run after mastery/lock_learner in the same
// transaction, with $now taken once that lock is held. The learner's updated_at moves only when the set of
// interests changes. Parameters: $learner_id (string), $tags (list of distinct strings), $now (datetime).
// Returns: interests (the learner's tag names after the change), changed (bool). Write.
MATCH (l:Learner {id: $learner_id})
WITH l, COLLECT { MATCH (l)-[:INTERESTED_IN]->(t:Tag) RETURN t.name } AS before
WITH l, NOT (size(before) = size($tags) AND all(x IN $tags WHERE x IN before)) AS changed
FOREACH (_ IN CASE WHEN changed THEN [1] ELSE [] END | SET l.updated_at = $now)
WITH l, changed
OPTIONAL MATCH (l)-[old:INTERESTED_IN]->(dropped:Tag)
WHERE NOT dropped.name IN $tags
DELETE old
WITH DISTINCT l, changed
FOREACH (name IN $tags |
  MERGE (t:Tag {name: name})
  MERGE (l)-[i:INTERESTED_IN]->(t) ON CREATE SET i.created_at = $now)
WITH l, changed
OPTIONAL MATCH (l)-[:INTERESTED_IN]->(t:Tag)
RETURN [x IN collect(t.name) WHERE x IS NOT NULL] AS interests, changed
