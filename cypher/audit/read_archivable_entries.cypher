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
// The cursor is the last entry's `at` as epoch seconds and nanoseconds, the seek's bound a nanosecond before
// it and the tie at it decided on those (as the trail routes' cursors, auth/read_key_changes): entries
// stamped under a default zone other than UTC are stored in that form, which Cypher holds unequal to the
// cursor's `Z` form and orders by form, so `at = $after_at` matched none of them and the next batch began at
// the cursor's instant again (for ever when a batch ended among entries stamped alike) or past it. Among
// the forms of the cursor's instant Cypher orders by form before id: the tie compares with the cursor
// entry's own stored `at` (`exact`, read by id; the id alone when it is gone).
// Parameters: $curriculum_id, $before (datetime), $after_s, $after_ns (the cursor's `at`: epoch seconds,
// nanoseconds), $after_id (string), $limit.
// Returns: entry (map, as the audit routes read it), explains (concept ids of its AuditLinks), kept (bool:
// older than $before but kept, for the count), at_s, at_ns (the entry's `at`: the next batch's cursor). Read.
WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) - duration({nanoseconds: 1}) AS bound,
     head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                   WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
MATCH (a:AuditEntry {curriculum_id: $curriculum_id}) USING INDEX SEEK a:AuditEntry(curriculum_id, at)
WHERE a.at > bound AND a.at < $before
  AND CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns
           THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                     ELSE a.at > exact OR (a.at = exact AND a.id > $after_id) END
           ELSE true END
WITH a ORDER BY a.curriculum_id, a.at, a.id LIMIT $limit
CALL () {
  MATCH (n:AuditEntry {curriculum_id: $curriculum_id}) USING INDEX SEEK n:AuditEntry(curriculum_id, at)
  WHERE n.at IS NOT NULL
  WITH n ORDER BY n.curriculum_id DESC, n.at DESC, n.id DESC LIMIT 1
  RETURN n.id AS newest_id
}
RETURN a {.id, .at, .actor, .action, .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite,
          .concept} AS entry,
       a.at.epochSeconds AS at_s, a.at.nanosecond AS at_ns,
       COLLECT { MATCH (l:AuditLink)-[:EXPLAINS]->(a) RETURN l.concept ORDER BY l.concept } AS explains,
       a.id = newest_id
         OR (a.entity_type = 'task' AND a.action = 'delete'
             AND NOT EXISTS { MATCH (:Task {id: a.entity_id}) }
             AND NOT EXISTS { MATCH (:RetiredId {key: 'task:' + a.entity_id}) }) AS kept
