// A class's roster audit trail, newest first, a page at a time (also for a class deleted since: the entries
// outlive it). Both parts seek the roster_change_class_at index (V0016) on the class's id: the page walks it
// backwards and stops after $offset + $limit entries (`r.class_id DESC` in the ORDER BY is what lets the
// planner take the index's order: with `r.at DESC` alone it sorted every entry of the class), and `total`
// counts index entries without reading a node (the hint keeps the seek on a trail that holds most of the
// entries, as for auth/read_changes_of_key); only the page's entries are read, with their learners. The
// learners are those the relationships still reach: an erased learner's id is gone from every entry (the
// counts stay).
// Keyset paging (since 4 December 2026): the page starts strictly after the entry ($after_s, $after_ns:
// its `at` as epoch seconds and nanoseconds; $after_id: its id) in the trail's order, newest first, ties by
// id; the range on `at` is part of the seek, so a page deep in the trail reads its own entries from the
// index (and the ties at the cursor's time), not those before it. Without a cursor the position is the
// calendar's end (kgplatform.audit.cursor.START) and $offset entries are skipped, as before.
// The time window (since 4 December 2026; kgplatform.audit.window): $since <= at < $before, always given, a
// bound of both seeks, so `total` counts the index entries in it.
// Parameters: $class_id, $offset, $limit, $after_s, $after_ns, $after_id, $since, $before. Returns: total
// (entries of the class in the window), items (up to $limit + 1 maps, the one past the page saying that one
// follows: id, at, at_s, at_ns (the cursor's key), actor, action, class_id, members, added, removed, created,
// class_created, added_ids, removed_ids, name, name_before: a rename's names; a delete's name_before is the
// name the class had; null otherwise). Read.
CALL () {
  MATCH (r:RosterChange {class_id: $class_id}) USING INDEX SEEK r:RosterChange(class_id, at)
  WHERE r.at >= $since AND r.at < $before
  RETURN count(r) AS total
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
       head(COLLECT { MATCH (x:RosterChange {id: $after_id})
                     WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
  MATCH (r:RosterChange {class_id: $class_id}) USING INDEX SEEK r:RosterChange(class_id, at)
  WHERE r.at >= $since AND r.at < $before AND r.at < bound
    AND CASE WHEN r.at.epochSeconds = $after_s AND r.at.nanosecond = $after_ns
             THEN CASE WHEN exact IS NULL THEN r.id > $after_id
                       ELSE r.at < exact OR (r.at = exact AND r.id > $after_id) END
             ELSE true END
  WITH r ORDER BY r.class_id DESC, r.at DESC, r.id SKIP $offset LIMIT $limit + 1
  RETURN collect(r {.id, .at, at_s: r.at.epochSeconds, at_ns: r.at.nanosecond, .actor, .action, .class_id,
                    .members, .added, .removed, .created, .class_created, .name, .name_before,
                    added_ids: [(r)-[:ROSTER_ADDED]->(l:Learner) | l.id],
                    removed_ids: [(r)-[:ROSTER_REMOVED]->(l:Learner) | l.id]}) AS items
}
RETURN total, items
