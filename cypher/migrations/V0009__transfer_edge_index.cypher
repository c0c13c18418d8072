// V0002 asked for an index on TRANSFERS_TO(model_version) under the name V0001 had given the
// TransferModel(version) constraint; index and constraint names share one namespace, so IF NOT EXISTS
// quietly skipped it, and every count, delete and current-model read of transfer edges (the ingest
// context on every batch among them) scanned all of them. Created here under a name of its own.
CREATE INDEX transfers_to_model_version IF NOT EXISTS FOR ()-[t:TRANSFERS_TO]-() ON (t.model_version);
// The newest audit entry of a curriculum, read on every plan request (planning/get_input_stamps): with
// the time in the index, that is the last index entry, not a scan of the curriculum's whole trail.
CREATE INDEX audit_curriculum_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.curriculum_id, a.at);
