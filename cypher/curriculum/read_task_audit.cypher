// A task's audit trail, newest first, a page at a time. Both parts are range seeks of the
// audit_entity_type_at index (V0020; before it, every page read and sorted the whole filtered trail). The
// page walks it backwards from the cursor and stops after $offset + $limit + 1 entries that pass the
// filters; keyset paging: the page starts strictly after the entry ($after_s, $after_ns: its `at` as epoch
// seconds and nanoseconds; $after_id: its id), a bound of the seek. Without a cursor the position is the
// calendar's end (kgplatform.audit.cursor.START). The bound a nanosecond past the cursor, and the tie at it
// in a CASE on epoch seconds and nanoseconds, for the reasons in auth/read_key_changes, as is the tie among
// the forms of that instant (`exact`, the cursor entry's own stored `at`). `total` counts the filtered trail
// (one index entry per entry in the time range; with a filter, the entries too).
// Parameters: $id, $offset, $limit, $after_s, $after_ns, $after_id, and the filters ($actor, $action,
// $entity_type: null for any; $since, $before: bounds on `at`, since <= at < before, always given).
// Returns: total (count of the filtered trail, the cursor aside), items (up to $limit + 1 entry maps, the
// one past the page saying that one follows; an edge's with its ends; at_s, at_ns: the cursor's key). Read.
CALL () {
  MATCH (a:AuditEntry {entity_id: $id, entity_type: 'task'})
  USING INDEX SEEK a:AuditEntry(entity_id, entity_type, at)
  WHERE a.at >= $since AND a.at < $before
    AND ($actor IS NULL OR a.actor = $actor)
    AND ($action IS NULL OR a.action = $action)
    AND ($entity_type IS NULL OR a.entity_type = $entity_type)
  RETURN count(a) AS total
}
CALL () {
  WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
       head(COLLECT { MATCH (x:AuditEntry {id: $after_id})
                     WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
  MATCH (a:AuditEntry {entity_id: $id, entity_type: 'task'})
  USING INDEX SEEK a:AuditEntry(entity_id, entity_type, at)
  WHERE a.at >= $since AND a.at < $before AND a.at < bound
    AND CASE WHEN a.at.epochSeconds = $after_s AND a.at.nanosecond = $after_ns
             THEN CASE WHEN exact IS NULL THEN a.id > $after_id
                       ELSE a.at < exact OR (a.at = exact AND a.id > $after_id) END
             ELSE true END
    AND ($actor IS NULL OR a.actor = $actor)
    AND ($action IS NULL OR a.action = $action)
    AND ($entity_type IS NULL OR a.entity_type = $entity_type)
  WITH a ORDER BY a.entity_id DESC, a.entity_type DESC, a.at DESC, a.id SKIP $offset LIMIT $limit + 1
  RETURN collect(a {.id, .at, at_s: a.at.epochSeconds, at_ns: a.at.nanosecond, .actor, .action,
                    .entity_type, .entity_id, .curriculum_id, .old, .new, .prerequisite, .concept}) AS items
}
RETURN total, items
