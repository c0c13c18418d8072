// Claims a model version for deletion, in the transaction that first runs lock_transfer_models (as the
// switch and an operator's activate do): only a model in one of $statuses becomes 'deleting', which no
// switch or activate accepts. A prune read the model list in another transaction: a retired model that an
// operator activated again since (`kgplatform transfer rollback`) is current now, and deleting its edges
// by the stale list emptied the live model. A prune killed half-way leaves 'deleting' (never 'retired'
// with half its edges, which an activate would have switched readers to); the next prune finishes it.
// Parameters: $version, $statuses (list of strings). Returns: version (no row: not claimed). Write.
MATCH (m:TransferModel {version: $version})
WHERE m.status IN $statuses
SET m.status = 'deleting', m.deleting_at = coalesce(m.deleting_at, datetime())
RETURN m.version AS version
