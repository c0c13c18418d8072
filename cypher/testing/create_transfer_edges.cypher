// Test helper: writes TRANSFERS_TO edges as the transfer model's writeback would.
// Parameters: $edges (list of {source, target, strength}), $model_version (string),
// $computed_at (datetime). Returns: written (count). Write.
UNWIND $edges AS e
MATCH (s:Concept {id: e.source}), (d:Concept {id: e.target})
MERGE (s)-[t:TRANSFERS_TO]->(d)
SET t.strength = e.strength, t.model_version = $model_version, t.computed_at = $computed_at
RETURN count(t) AS written
