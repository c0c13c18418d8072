// One page of a class's roster audit entries older than $before that `audit archive --trail rosters`
// moves to a file, oldest first, by (at, id) after the last page's: one range seek of roster_change_class_at
// from the cursor, stopped at the page (the class's id in the ORDER BY lets the planner take the index's
// order; with only `at > cursor OR (at = cursor AND id > ...)` it sorted every older entry of the class for
// each page). The counts only, not the learners' ids: a file is out of reach of a later erase, which must
// leave no trace of a learner (it takes their id out of every entry in the graph). None is kept: no stamp
// or state is read from this trail.
// Parameters: $owner (class id), $before (datetime), $after_s, $after_ns (the cursor's `at`: epoch
// seconds, nanoseconds), $after_id (string), $limit.
// Returns: entry (map: id, at, actor, action, class_id, members, added, removed, created, class_created,
// name, name_before: a rename's names, a delete's name_before the name the class had, null otherwise),
// at_s, at_ns (its `at`: the next batch's cursor), explains (always empty), kept (always false). Read.
// The bound a nanosecond before the cursor and the tie on epoch seconds and nanoseconds: any zone form of
// the cursor's instant, the tie among its forms by the cursor entry's own `at` (read_archivable_entries).
WITH datetime({epochSeconds: $after_s, nanosecond: $after_ns}) - duration({nanoseconds: 1}) AS bound,
     head(COLLECT { MATCH (x:RosterChange {id: $after_id})
                   WHERE x.at.epochSeconds = $after_s AND x.at.nanosecond = $after_ns RETURN x.at }) AS exact
MATCH (r:RosterChange {class_id: $owner}) USING INDEX SEEK r:RosterChange(class_id, at)
WHERE r.at > bound AND r.at < $before
  // The tie at the cursor in a CASE: as an OR it may be planned as a union of two seeks, each reading
  // every entry from the cursor on (audit/read_archivable_entries).
  AND CASE WHEN r.at.epochSeconds = $after_s AND r.at.nanosecond = $after_ns
           THEN CASE WHEN exact IS NULL THEN r.id > $after_id
                     ELSE r.at > exact OR (r.at = exact AND r.id > $after_id) END
           ELSE true END
WITH r ORDER BY r.class_id, r.at, r.id LIMIT $limit
RETURN r {.id, .at, .actor, .action, .class_id, .members, .added, .removed, .created, .class_created,
          .name, .name_before} AS entry,
       r.at.epochSeconds AS at_s, r.at.nanosecond AS at_ns, [] AS explains, false AS kept
