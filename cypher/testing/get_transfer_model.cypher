// Test only: what a transfer model node stores beside its status (a re-publish must not overwrite it).
// Parameters: $version. Returns: snapshot_hash, metrics (JSON string), data_at. Read.
MATCH (m:TransferModel {version: $version})
RETURN m.snapshot_hash AS snapshot_hash, m.metrics AS metrics, m.data_at AS data_at
