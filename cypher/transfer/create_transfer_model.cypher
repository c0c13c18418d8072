// Registers a model version before its edges are written; it stays 'writing' (invisible to readers)
// until activate. Idempotent for one version.
// Parameters: $version, $snapshot_hash, $metrics (JSON string), $edge_count (expected edges). Returns: version. Write.
MERGE (m:TransferModel {version: $version})
ON CREATE SET m.status = 'writing', m.created_at = datetime()
SET m.snapshot_hash = $snapshot_hash, m.metrics = $metrics, m.edge_count = $edge_count
RETURN m.version AS version
