// One page of a key's audit entries older than $before that `audit archive --trail keys` moves to a file,
// oldest first, by (at, id) after the last page's: one range seek of key_change_key_at from the cursor,
// stopped at the page (the key's id in the ORDER BY lets the planner take the index's order; with only
// `at > cursor OR (at = cursor AND id > ...)` it sorted every older entry of the key for each page). None is
// kept: no stamp or state is read from this trail (the key itself holds created_at, revoked, its classes).
// Parameters: $owner (key id), $before (datetime), $after_at (datetime), $after_id (string), $limit.
// Returns: entry (map, as GET /api-keys/audit lists it), explains (always empty), kept (always false). Read.
MATCH (c:KeyChange {key_id: $owner}) USING INDEX SEEK c:KeyChange(key_id, at)
WHERE c.at >= $after_at AND c.at < $before
  // The tie at the cursor in a CASE: as an OR it may be planned as a union of two seeks, each reading
  // every entry from the cursor on (audit/read_archivable_entries).
  AND CASE WHEN c.at = $after_at THEN c.id > $after_id ELSE true END
WITH c ORDER BY c.key_id, c.at, c.id LIMIT $limit
RETURN c {.id, .at, .actor, .action, .key_id, .key_name, .role, .classes, .classes_before} AS entry,
       [] AS explains, false AS kept
