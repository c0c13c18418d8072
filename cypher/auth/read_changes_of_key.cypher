// One API key's audit trail, newest first, a page at a time (also for a key that no longer exists or never
// did: an empty trail). Both parts seek the key_change_key_at index (V0018) on the key's id: the page walks
// it backwards and stops after $offset + $limit entries (`c.key_id DESC` in the ORDER BY is what lets the
// planner take the index's order: with `c.at DESC` alone it sorted every entry of the key), and `total`
// counts index entries without reading a node. The hint: with two keys' trails of similar length, the
// planner scanned every key's entries by key_change_at and filtered them.
// Keyset paging (since 4 December 2026): the page starts strictly after the entry ($after_s, $after_ns:
// its `at` as epoch seconds and nanoseconds; $after_id: its id) in the trail's order, newest first, ties by
// id; the range on `at` is part of the seek, so a page deep in the trail reads its own entries from the
// index (and the ties at the cursor's time), not those before it. Without a cursor the position is the
// calendar's end (kgplatform.audit.cursor.START) and $offset entries are skipped, as before.
// The time window (since 4 December 2026; kgplatform.audit.window): $since <= at < $before, always given, a
// bound of both seeks, so `total` counts the index entries in it.
// Parameters: $key_id (string), $offset, $limit, $after_s, $after_ns, $after_id, $since, $before. Returns:
// total (entries of the key in the window), items (up to $limit + 1 maps, the one past the page saying that
// one follows: id, at, at_s, at_ns (the cursor's key), actor, action, key_id, key_name, role, classes,
// classes_before (null unless 'update')). Read.
CALL () {
  MATCH (c:KeyChange {key_id: $key_id}) USING INDEX SEEK c:KeyChange(key_id, at)
  WHERE c.at >= $since AND c.at < $before
  RETURN count(c) AS total
}
CALL () {
  // The bound first (computed in the WHERE, it was read as a filter on an index scan from the newest
  // entry), one nanosecond past the cursor's time, so that it holds that instant in every zone form (Cypher
  // holds the `...Z` and `+01:00` forms of one instant unequal and orders them by form after the instant:
  // entries written under another default zone); the tie at the cursor's instant in a CASE on epoch seconds
  // and nanoseconds (`at < after OR id > $after_id` was planned as a union of two seeks reading the whole
  // trail; every key's trail's index hint, as the others', keeps the seek). The tie among the forms of the
  // cursor's instant compares with the cursor entry's own stored `at` (`exact`: auth/read_key_changes).
  WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
       head(COLLECT { MATCH (x:KeyChange {id: $after_id})
                     WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
  MATCH (c:KeyChange {key_id: $key_id}) USING INDEX SEEK c:KeyChange(key_id, at)
  WHERE c.at >= $since AND c.at < $before AND c.at < bound
    AND CASE WHEN c.at.epochSeconds = $after_s AND c.at.nanosecond = $after_ns
             THEN CASE WHEN exact IS NULL THEN c.id > $after_id
                       ELSE c.at < exact OR (c.at = exact AND c.id > $after_id) END
             ELSE true END
  WITH c ORDER BY c.key_id DESC, c.at DESC, c.id SKIP $offset LIMIT $limit + 1
  RETURN collect(c {.id, .at, at_s: c.at.epochSeconds, at_ns: c.at.nanosecond, .actor, .action, .key_id,
                    .key_name, .role, .classes, .classes_before}) AS items
}
RETURN total, items
