// The API keys' audit trail of every key, newest first, a page at a time (auth/read_changes_of_key: one
// key's). The page walks the key_change_at index (V0018) backwards and stops after $offset + $limit entries;
// `total` comes from the label's count store, so neither reads the rest of the trail (the earlier form
// collected and sorted every entry for each page, and for one key's trail too, through an OR no index
// served). Every KeyChange has `at` (auth/create_key_change sets it), so the label's count is the trail's.
// Keyset paging (since 4 December 2026): the page starts strictly after the entry ($after_s, $after_ns:
// its `at` as epoch seconds and nanoseconds; $after_id: its id) in the trail's order, newest first, ties by
// id; the range on `at` is part of the seek, so a page deep in the trail reads its own entries from the
// index (and the ties at the cursor's time), not those before it. Without a cursor the position is the
// calendar's end (kgplatform.audit.cursor.START) and $offset entries are skipped, as before.
// The time window (since 4 December 2026; kgplatform.audit.window): $since <= at < $before, always given, a
// bound of the page's seek. With a window ($windowed) `total` counts the index entries in it; without, the
// label's count as before: the filter on $windowed alone is planned ahead of the range count's seek, which
// then reads nothing (an unbounded range count read every index entry of the trail, where the count store
// answers with one hit).
// Parameters: $offset, $limit, $after_s, $after_ns, $after_id, $since, $before, $windowed (boolean: a bound
// was given). Returns: total (entries in the window), items (up to $limit + 1 maps, the one past the page
// saying that one follows: id, at, at_s, at_ns (the cursor's key), actor, action, key_id, key_name, role,
// classes, classes_before (null unless 'update')). Read.
CALL () {
  MATCH (c:KeyChange)
  RETURN count(c) AS every
}
CALL () {
  WITH 1 AS one WHERE $windowed
  MATCH (c:KeyChange) USING INDEX SEEK c:KeyChange(at)
  WHERE c.at >= $since AND c.at < $before
  RETURN count(c) AS windowed
}
CALL () {
  // The bound first (computed in the WHERE, it was read as a filter on an index scan from the newest
  // entry), one nanosecond past the cursor's time, so that it holds that instant in every zone form (Cypher
  // holds the `...Z` and `+01:00` forms of one instant unequal and orders them by form after the instant:
  // entries written under another default zone); the tie at the cursor's instant in a CASE on epoch seconds
  // and nanoseconds (`at < after OR id > $after_id` was planned as a union of two seeks reading the whole
  // trail; every key's trail's index hint, as the others', keeps the seek). Among the forms of the cursor's
  // instant the order is Cypher's, by form before id, so the tie compares with the cursor entry's own stored
  // `at` (`exact`, read by its id): decided on the id alone, it skipped the entries of that instant in a
  // form listed after the cursor's with a smaller id, and repeated those before it with a larger one. An
  // entry gone since (archived) or a hand-made cursor leaves the id alone.
  WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) + duration({nanoseconds: 1}) AS bound,
       head(COLLECT { MATCH (x:KeyChange {id: $after_id})
                     WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
  MATCH (c:KeyChange) USING INDEX SEEK c:KeyChange(at)
  WHERE c.at >= $since AND c.at < $before AND c.at < bound
    AND CASE WHEN c.at.epochSeconds = $after_s AND c.at.nanosecond = $after_ns
             THEN CASE WHEN exact IS NULL THEN c.id > $after_id
                       ELSE c.at < exact OR (c.at = exact AND c.id > $after_id) END
             ELSE true END
  WITH c ORDER BY c.at DESC, c.id SKIP $offset LIMIT $limit + 1
  RETURN collect(c {.id, .at, at_s: c.at.epochSeconds, at_ns: c.at.nanosecond, .actor, .action, .key_id,
                    .key_name, .role, .classes, .classes_before}) AS items
}
RETURN CASE WHEN $windowed THEN windowed ELSE every END AS total, items
