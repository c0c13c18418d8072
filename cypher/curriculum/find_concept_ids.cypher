// Which of some concept ids exist, and in which curriculum. Parameters: $ids (list).
// Returns: id, curriculum_id (one row per existing concept). Read.
UNWIND $ids AS id
MATCH (c:Concept {id: id})
RETURN c.id AS id, c.curriculum_id AS curriculum_id
