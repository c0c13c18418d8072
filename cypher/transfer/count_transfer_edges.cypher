// How many edges a model version has (checked before the version is switched on).
// Parameters: $model_version. Returns: edges. Read.
MATCH ()-[t:TRANSFERS_TO]->()
WHERE t.model_version = $model_version
RETURN count(t) AS edges
