// Transfer-model edges touching any of the given concepts (either end), strongest first, for the web
// page's graph view: the current model's only (the pointer, as in transfer/get_current_transfer; a
// retired model's edges outlive the switch by one publish, and a model being written is not current).
// Parameters: $ids (list of concept ids), $limit (int). Returns: source, target
// (concept ids), source_name, target_name, strength (float), model_version (string), computed_at
// (datetime). Read.
MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
UNWIND $ids AS id
MATCH (:Concept {id: id})-[t:TRANSFERS_TO]-(:Concept)
WHERE t.model_version = m.version
WITH DISTINCT t
WITH t, startNode(t) AS s, endNode(t) AS d
RETURN s.id AS source, d.id AS target, s.name AS source_name, d.name AS target_name,
       t.strength AS strength, t.model_version AS model_version, t.computed_at AS computed_at
ORDER BY strength DESC, source, target
LIMIT $limit
