// Which of the given concept ids exist, to name the unknown ones before writing goals.
// Parameters: $concept_ids (list of string). Returns: concept_id, one row per existing concept. Read.
UNWIND $concept_ids AS concept_id
MATCH (c:Concept {id: concept_id})
RETURN c.id AS concept_id
