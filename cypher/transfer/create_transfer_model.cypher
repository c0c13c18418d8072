// Registers a model version before its edges are written; it stays 'writing' (invisible to readers)
// until activate. Idempotent for a version still 'writing' (a driver retry); a version that is current,
// retired or being discarded is left as it is and returns no row: its edges would be doubled or its
// metrics overwritten. data_at (when its training data were read) orders models by the age of their data:
// activate refuses a model older than the current one.
// Parameters: $version, $snapshot_hash, $metrics (JSON string), $edge_count (expected edges), $data_at (ISO
// datetime string). Returns: version (no row: refused). Write.
MERGE (m:TransferModel {version: $version})
ON CREATE SET m.status = 'writing', m.created_at = datetime()
WITH m
WHERE m.status = 'writing'
SET m.snapshot_hash = $snapshot_hash, m.metrics = $metrics, m.edge_count = $edge_count,
    m.data_at = datetime($data_at)
RETURN m.version AS version
