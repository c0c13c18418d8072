// One batch of predicted transfer edges of one model version. MERGE on (source, target, version) so a
// retried batch changes nothing.
// Parameters: $rows [{source, target, strength}], $model_version, $computed_at (ISO datetime string).
// Returns: written (count). Write.
UNWIND $rows AS row
MATCH (s:Concept {id: row.source})
MATCH (d:Concept {id: row.target})
MERGE (s)-[t:TRANSFERS_TO {model_version: $model_version}]->(d)
SET t.strength = row.strength, t.computed_at = datetime($computed_at)
RETURN count(t) AS written
