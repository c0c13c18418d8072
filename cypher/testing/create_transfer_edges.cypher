// Test fixture: transfer edges as the GNN writes them. Parameters: $edges (list of {source, target,
// strength}), $model_version (string), $now (datetime). Returns: written (count). Write. Tests only.
UNWIND $edges AS e
MATCH (s:Concept {id: e.source}), (d:Concept {id: e.target})
MERGE (s)-[t:TRANSFERS_TO]->(d)
SET t.strength = e.strength, t.model_version = $model_version, t.computed_at = $now
RETURN count(t) AS written
