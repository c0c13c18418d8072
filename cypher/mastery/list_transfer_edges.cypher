// The transfer edges of the current transfer model, for the tracer's transfer step. Follows the model
// pointer (as transfer/get_current_transfer does): a retired model's edges outlive the switch by one
// publish, and a model still being written is not current.
// Parameters: none. Returns: source, target (concept ids), strength (float 0..1),
// model_version. Read.
MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
MATCH (s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
WHERE t.model_version = m.version
RETURN s.id AS source, d.id AS target, t.strength AS strength, t.model_version AS model_version
