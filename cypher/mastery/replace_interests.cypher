// Replaces a learner's interests (tags, created on first use); creates the learner on first sight.
// Parameters: $learner_id (string), $tags (list of distinct strings), $now (datetime).
// Returns: interests (the learner's tag names after the change). Write.
MERGE (l:Learner {id: $learner_id})
  ON CREATE SET l.created_at = $now, l.updated_at = $now
  ON MATCH SET l.updated_at = $now
WITH l
OPTIONAL MATCH (l)-[old:INTERESTED_IN]->(dropped:Tag)
WHERE NOT dropped.name IN $tags
DELETE old
WITH DISTINCT l
FOREACH (name IN $tags |
  MERGE (t:Tag {name: name})
  MERGE (l)-[i:INTERESTED_IN]->(t) ON CREATE SET i.created_at = $now)
WITH l
OPTIONAL MATCH (l)-[:INTERESTED_IN]->(t:Tag)
RETURN [x IN collect(t.name) WHERE x IS NOT NULL] AS interests
