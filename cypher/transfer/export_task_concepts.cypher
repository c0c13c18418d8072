// The concepts each task exercises, for expanding the answers of transfer/export_answer_columns.
// Parameters: none. Returns: task_id, concept_ids (list, sorted). Read.
MATCH (t:Task)-[:EXERCISES]->(c:Concept)
WITH t.id AS task_id, c.id AS concept_id ORDER BY concept_id
RETURN task_id, collect(concept_id) AS concept_ids
