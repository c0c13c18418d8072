// The current model's edges in one statement: the pointer and its edges come from the same read.
// If several are marked current (two switches raced), the last activated wins.
// Parameters: none. Returns: version, source, target, strength (one row with null source when the model
// has no edges; no row when there is no current model). Read.
MATCH (m:TransferModel {status: 'current'})
WITH m ORDER BY m.activated_at DESC LIMIT 1
OPTIONAL MATCH (s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
WHERE t.model_version = m.version
RETURN m.version AS version, s.id AS source, d.id AS target, t.strength AS strength
