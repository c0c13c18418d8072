// Registers a model version before its edges are written; it stays 'writing' (invisible to readers)
// until activate. Idempotent for one version. data_at (when its training data were read) orders models by
// the age of their data: activate refuses a model older than the current one.
// Parameters: $version, $snapshot_hash, $metrics (JSON string), $edge_count (expected edges), $data_at (ISO
// datetime string). Returns: version. Write.
MERGE (m:TransferModel {version: $version})
ON CREATE SET m.status = 'writing', m.created_at = datetime()
SET m.snapshot_hash = $snapshot_hash, m.metrics = $metrics, m.edge_count = $edge_count,
    m.data_at = datetime($data_at)
RETURN m.version AS version
