// A class's roster audit trail, newest first, a page at a time (also for a class deleted since: the entries
// outlive it). Both parts seek the roster_change_class_at index (V0016) on the class's id: the page walks it
// backwards and stops after $offset + $limit entries (`r.class_id DESC` in the ORDER BY is what lets the
// planner take the index's order: with `r.at DESC` alone it sorted every entry of the class), and `total`
// counts index entries without reading a node (the hint keeps the seek on a trail that holds most of the
// entries, as for auth/read_changes_of_key); only the page's entries are read, with their learners. The
// learners are those the relationships still reach: an erased learner's id is gone from every entry (the
// counts stay).
// Parameters: $class_id, $offset, $limit. Returns: total (entries of the class), items (list of maps: id, at,
// actor, action, class_id, members, added, removed, created, class_created, added_ids, removed_ids, name,
// name_before: a rename's names; a delete's name_before is the name the class had; null otherwise). Read.
CALL () {
  MATCH (r:RosterChange {class_id: $class_id}) USING INDEX SEEK r:RosterChange(class_id, at)
  WHERE r.at IS NOT NULL
  RETURN count(r) AS total
}
CALL () {
  MATCH (r:RosterChange {class_id: $class_id}) USING INDEX SEEK r:RosterChange(class_id, at)
  WHERE r.at IS NOT NULL
  WITH r ORDER BY r.class_id DESC, r.at DESC, r.id SKIP $offset LIMIT $limit
  RETURN collect(r {.id, .at, .actor, .action, .class_id, .members, .added, .removed, .created, .class_created,
                    .name, .name_before,
                    added_ids: [(r)-[:ROSTER_ADDED]->(l:Learner) | l.id],
                    removed_ids: [(r)-[:ROSTER_REMOVED]->(l:Learner) | l.id]}) AS items
}
RETURN total, items
