// Forgets a model version once its edges are gone. Parameters: $version. Returns: deleted. Write.
MATCH (m:TransferModel {version: $version})
DELETE m
RETURN count(*) AS deleted
