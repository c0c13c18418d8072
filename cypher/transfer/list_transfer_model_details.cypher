// Every registered model version for an operator (`kgplatform transfer list`), newest activation first:
// its state, times, data snapshot and metrics, and how many edges it has in the graph now.
// Parameters: none. Returns: version, status, created_at, activated_at, retired_at, data_at (datetimes or
// null), activated_by (string or null: an operator's activate), held_by (string or null: publishes
// refused until `transfer release`), snapshot_hash, metrics (JSON string),
// edge_count (edges its publish meant to write), edges (edges in the graph now). Read.
MATCH (m:TransferModel)
RETURN m.version AS version, m.status AS status, m.created_at AS created_at,
       m.activated_at AS activated_at, m.retired_at AS retired_at, m.data_at AS data_at,
       m.activated_by AS activated_by, m.held_by AS held_by, m.snapshot_hash AS snapshot_hash, m.metrics AS metrics,
       m.edge_count AS edge_count,
       COUNT { MATCH ()-[t:TRANSFERS_TO]->() WHERE t.model_version = m.version } AS edges
ORDER BY coalesce(m.activated_at, m.created_at) DESC, m.created_at DESC
