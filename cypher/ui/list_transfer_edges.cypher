// Transfer-model edges touching any of the given concepts (either end), strongest first, for the web
// page's graph view. Parameters: $ids (list of concept ids), $limit (int). Returns: source, target
// (concept ids), source_name, target_name, strength (float), model_version (string), computed_at
// (datetime). Read.
UNWIND $ids AS id
MATCH (:Concept {id: id})-[t:TRANSFERS_TO]-(:Concept)
WITH DISTINCT t
WITH t, startNode(t) AS s, endNode(t) AS d
RETURN s.id AS source, d.id AS target, s.name AS source_name, d.name AS target_name,
       t.strength AS strength, t.model_version AS model_version, t.computed_at AS computed_at
ORDER BY strength DESC, source, target
LIMIT $limit
