// One page of a curriculum's audit entries older than $before that `audit archive` may move to a file,
// oldest first, by (at, id) after the last page's: a range seek of audit_curriculum_at from the cursor,
// stopped at the page (the curriculum's id in the ORDER BY lets the planner take the index's order; with only
// `at > cursor OR (at = cursor AND id > ...)` it sorted every older entry for each page). Kept, whatever
// their age: the newest entry of the curriculum (by at, then id), which dates it (curriculum/
// get_curriculum_stamp: an export's ETag; planning/get_input_stamps: plans' staleness), so the stamp
// never moves back; and the delete entry of a task that neither exists nor has a RetiredId (deleted before
// V0010): it is then the only record that answers keep that id (curriculum/count_task_deletions).
// Parameters: $curriculum_id, $before (datetime), $after_at (datetime), $after_id (string), $limit.
// Returns: entry (map, as the audit routes read it), explains (concept ids of its AuditLinks), kept (bool:
// older than $before but kept, for the count). Read.
MATCH (a:AuditEntry {curriculum_id: $curriculum_id}) USING INDEX SEEK a:AuditEntry(curriculum_id, at)
WHERE a.at >= $after_at AND a.at < $before AND (a.at > $after_at OR a.id > $after_id)
WITH a ORDER BY a.curriculum_id, a.at, a.id LIMIT $limit
RETURN a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite,
          .concept} AS entry,
       COLLECT { MATCH (l:AuditLink)-[:EXPLAINS]->(a) RETURN l.concept ORDER BY l.concept } AS explains,
       NOT EXISTS {
             MATCH (n:AuditEntry {curriculum_id: $curriculum_id})
             WHERE n.at > a.at OR (n.at = a.at AND n.id > a.id)
           }
         OR (a.entity_type = 'task' AND a.action = 'delete'
             AND NOT EXISTS { MATCH (:Task {id: a.entity_id}) }
             AND NOT EXISTS { MATCH (:RetiredId {key: 'task:' + a.entity_id}) }) AS kept
