// The transfer edges of the current transfer model, for the tracer's transfer step.
// Parameters: none. Returns: source, target (concept ids), strength (float 0..1),
// model_version. Read.
MATCH (s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
RETURN s.id AS source, d.id AS target, t.strength AS strength, t.model_version AS model_version
