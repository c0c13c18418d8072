// The current transfer model's edges among one curriculum's concepts, with their model version and time.
// Follows the model pointer (as transfer/get_current_transfer does): a retired model's edges outlive the
// switch by one publish, and a model still being written is not current, so "newest computed_at" is not.
// Parameters: $curriculum_id (string). Returns: source,
// target (concept ids), strength (float), model_version (string), computed_at (datetime). Read.
MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
WHERE t.model_version = m.version
RETURN s.id AS source, d.id AS target, t.strength AS strength, t.model_version AS model_version,
       t.computed_at AS computed_at
