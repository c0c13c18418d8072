// Which of the given concept and task ids already exist anywhere, and which curriculum owns each
// (ids are unique across the graph, so an import must not take over another curriculum's node).
// Parameters: $concept_ids (list), $task_ids (list). Returns: kind ('concept'|'task'), id, curriculum_id. Read.
UNWIND $concept_ids AS id
MATCH (c:Concept {id: id})
RETURN 'concept' AS kind, c.id AS id, c.curriculum_id AS curriculum_id
UNION ALL
UNWIND $task_ids AS id
MATCH (t:Task {id: id})
RETURN 'task' AS kind, t.id AS id, t.curriculum_id AS curriculum_id
