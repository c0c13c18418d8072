// Deletes up to $limit edges of one version (called until it returns 0, so each transaction stays small).
// Parameters: $model_version, $limit. Returns: deleted. Write.
MATCH ()-[t:TRANSFERS_TO]->()
WHERE t.model_version = $model_version
WITH t LIMIT $limit
DELETE t
RETURN count(*) AS deleted
