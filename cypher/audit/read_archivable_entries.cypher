// One page of a curriculum's audit entries older than $before that `audit archive` may move to a file,
// oldest first, by (at, id) after the last page's: a range seek of audit_curriculum_at from the cursor,
// stopped at the page (the curriculum's id in the ORDER BY lets the planner take the index's order; with only
// `at > cursor OR (at = cursor AND id > ...)` it sorted every older entry for each page). The tie at the
// cursor is a CASE, not an OR: on a graph whose statistics had moved (a long-used test server) the planner
// made the OR a union of two seeks, each reading every entry from the cursor on. Kept, whatever
// their age: the newest entry of the curriculum (by at, then id; read once, from the index's end: asked for
// each entry as "no newer one exists", it was planned as a scan of every entry of every curriculum per
// row), which dates it (curriculum/
// get_curriculum_stamp: an export's ETag; planning/get_input_stamps: plans' staleness), so the stamp
// never moves back; and the delete entry of a task that neither exists nor has a RetiredId (deleted before
// V0010): it is then the only record that answers keep that id (curriculum/count_task_deletions).
// Parameters: $curriculum_id, $before (datetime), $after_at (datetime), $after_id (string), $limit.
// Returns: entry (map, as the audit routes read it), explains (concept ids of its AuditLinks), kept (bool:
// older than $before but kept, for the count). Read.
MATCH (a:AuditEntry {curriculum_id: $curriculum_id}) USING INDEX SEEK a:AuditEntry(curriculum_id, at)
WHERE a.at >= $after_at AND a.at < $before
  AND CASE WHEN a.at = $after_at THEN a.id > $after_id ELSE true END
WITH a ORDER BY a.curriculum_id, a.at, a.id LIMIT $limit
CALL () {
  MATCH (n:AuditEntry {curriculum_id: $curriculum_id}) USING INDEX SEEK n:AuditEntry(curriculum_id, at)
  WHERE n.at IS NOT NULL
  WITH n ORDER BY n.curriculum_id DESC, n.at DESC, n.id DESC LIMIT 1
  RETURN n.id AS newest_id
}
RETURN a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite,
          .concept} AS entry,
       COLLECT { MATCH (l:AuditLink)-[:EXPLAINS]->(a) RETURN l.concept ORDER BY l.concept } AS explains,
       a.id = newest_id
         OR (a.entity_type = 'task' AND a.action = 'delete'
             AND NOT EXISTS { MATCH (:Task {id: a.entity_id}) }
             AND NOT EXISTS { MATCH (:RetiredId {key: 'task:' + a.entity_id}) }) AS kept
