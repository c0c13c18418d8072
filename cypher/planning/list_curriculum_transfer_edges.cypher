// The transfer model's edges among one curriculum's concepts, with their model version and time, so
// the caller can keep the newest model's edges. Parameters: $curriculum_id (string). Returns: source,
// target (concept ids), strength (float), model_version (string), computed_at (datetime). Read.
MATCH (:Curriculum {id: $curriculum_id})-[:CONTAINS]->(s:Concept)-[t:TRANSFERS_TO]->(d:Concept)
RETURN s.id AS source, d.id AS target, t.strength AS strength, t.model_version AS model_version,
       t.computed_at AS computed_at
