// The edges of one transfer model out of the given concepts: what a full replay inside an ingest
// transaction needs beyond mastery/get_ingest_context's edges (those out of the batch's own tasks'
// concepts), for the concepts of the other tasks in the replayed learners' histories. By version, not by
// the current pointer: the transaction keeps the model it read first (mastery/lock_learners checked it).
// Parameters: $concept_ids (list of string, the sources), $model_version (string).
// Returns: source, target, strength, model_version (one row per edge). Read.
UNWIND $concept_ids AS concept_id
MATCH (s:Concept {id: concept_id})-[t:TRANSFERS_TO]->(d:Concept)
WHERE t.model_version = $model_version
RETURN s.id AS source, d.id AS target, t.strength AS strength, t.model_version AS model_version
