// How often a task with this id was deleted before (its audit trail, cascades included). Answers keep
// their task id after a delete, so a task created again under an old id gives those answers concepts
// again: the caller then counts a structural change (bump_curriculum_revision), as for a task edit.
// Parameters: $id (task id). Returns: deletions (int). Read.
MATCH (a:AuditEntry {entity_id: $id})
WHERE a.entity_type = 'task' AND a.action = 'delete'
RETURN count(a) AS deletions
