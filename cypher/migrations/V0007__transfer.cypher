// The transfer model's version pointer: readers look up the current model by status on every read.
// Transfer edges are already indexed by model_version (V0002).
CREATE INDEX transfer_model_status IF NOT EXISTS FOR (m:TransferModel) ON (m.status);
