// One page of a key's audit entries older than $before that `audit archive --trail keys` moves to a file,
// oldest first, by (at, id) after the last page's: one range seek of key_change_key_at from the cursor,
// stopped at the page (the key's id in the ORDER BY lets the planner take the index's order; with only
// `at > cursor OR (at = cursor AND id > ...)` it sorted every older entry of the key for each page). None is
// kept: no stamp or state is read from this trail (the key itself holds created_at, revoked, its classes).
// Parameters: $owner (key id), $before (datetime), $after_s, $after_ns (the cursor's `at`: epoch
// seconds, nanoseconds), $after_id (string), $limit.
// Returns: entry (map, as GET /api-keys/audit lists it), at_s, at_ns (its `at`: the next batch's cursor),
// explains (always empty), kept (always false). Read.
// The bound a nanosecond before the cursor and the tie on epoch seconds and nanoseconds: any zone form of
// the cursor's instant, the tie among its forms by the cursor entry's own `at` (read_archivable_entries).
WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) - duration({nanoseconds: 1}) AS bound,
     head(COLLECT { MATCH (x:KeyChange {id: $after_id})
                   WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
MATCH (c:KeyChange {key_id: $owner}) USING INDEX SEEK c:KeyChange(key_id, at)
WHERE c.at > bound AND c.at < $before
  // The tie at the cursor in a CASE: as an OR it may be planned as a union of two seeks, each reading
  // every entry from the cursor on (audit/read_archivable_entries).
  AND CASE WHEN c.at.epochSeconds = $after_s AND c.at.nanosecond = $after_ns
           THEN CASE WHEN exact IS NULL THEN c.id > $after_id
                     ELSE c.at > exact OR (c.at = exact AND c.id > $after_id) END
           ELSE true END
WITH c ORDER BY c.key_id, c.at, c.id LIMIT $limit
RETURN c {.id, .at, .actor, .action, .key_id, .key_name, .role, .classes, .classes_before} AS entry,
       c.at.epochSeconds AS at_s, c.at.nanosecond AS at_ns, [] AS explains, false AS kept
