// The current transfer model's edges among one curriculum's concepts, as three aligned columns in one row
// (a 1,000-concept curriculum can have 100,000 edges: one record per edge, each with its datetime, took
// the driver 18 s to decode). Follows the model pointer (as transfer/get_current_transfer does): a
// retired model's edges outlive the switch by one publish, and a model still being written is not
// current, so only the current version's edges are read.
// Parameters: $curriculum_id (string). Returns one row: sources, targets (concept ids), strengths
// (floats); empty lists when there is no current model or it has no edge here. Read.
OPTIONAL MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
// Both ends in the curriculum: the model scores pairs across curricula too (the tracer uses those), but a
// plan is built over one curriculum's concepts and its graph builder drops the rest.
OPTIONAL MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
WHERE t.model_version = m.version AND d.curriculum_id = $curriculum_id
RETURN collect(s.id) AS sources, collect(d.id) AS targets, collect(t.strength) AS strengths
