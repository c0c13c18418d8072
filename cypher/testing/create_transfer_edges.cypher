// Test fixture: transfer edges as the GNN publishes them: the version becomes the current model (readers
// follow the current model's pointer, as transfer/get_current_transfer does) and any other current one is
// retired. Parameters: $edges (list of {source, target, strength}), $model_version (string),
// $now (datetime). Returns: written (count). Write. Tests only.
CALL () {
  OPTIONAL MATCH (old:TransferModel {status: 'current'})
  WHERE old.version <> $model_version
  SET old.status = 'retired', old.retired_at = $now
  RETURN count(old) AS retired
}
MERGE (m:TransferModel {version: $model_version})
ON CREATE SET m.created_at = $now
SET m.status = 'current', m.activated_at = $now
WITH m
UNWIND $edges AS e
MATCH (s:Concept {id: e.source}), (d:Concept {id: e.target})
MERGE (s)-[t:TRANSFERS_TO]->(d)
SET t.strength = e.strength, t.model_version = $model_version, t.computed_at = $now
RETURN count(t) AS written
