// A failed publish claims its model for deletion, in the transaction that first runs
// lock_transfer_models (as the switch does): only a model still 'writing' is claimed. The switch may have
// committed although its caller saw an error (interrupted while waiting for the COMMIT reply): that model
// is 'current' now and must not lose its edges, which a read of the pointer before deleting, in another
// transaction, could not promise. A claimed model can no longer be activated (activate_transfer_model).
// Parameters: $version. Returns: version (no row: not 'writing', nothing to delete). Write.
MATCH (m:TransferModel {version: $version})
WHERE m.status = 'writing'
SET m.status = 'discarding'
RETURN m.version AS version
