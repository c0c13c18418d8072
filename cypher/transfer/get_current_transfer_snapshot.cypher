// The current model's data snapshot: a retrain whose answers and curriculum hash to the same value would
// train on the very data the current model was trained on (`retrain_from_graph(skip_unchanged=True)`).
// If several are marked current (two switches raced), the last activated wins, as readers of the edges do.
// Parameters: none. Returns: version, snapshot_hash (no row when there is no current model). Read.
MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
RETURN m.version AS version, m.snapshot_hash AS snapshot_hash
