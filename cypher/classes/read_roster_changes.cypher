// A class's roster audit trail, newest first, a page at a time (also for a class deleted since: the entries
// outlive it). One range seek of the roster_change_class_at index (V0016). The learners are those the
// relationships still reach: an erased learner's id is gone from every entry (the counts stay).
// Parameters: $class_id, $offset, $limit. Returns: total (entries of the class), items (list of maps: id, at,
// actor, action, class_id, members, added, removed, created, class_created, added_ids, removed_ids, name,
// name_before; the last two null but on a 'rename'). Read.
MATCH (r:RosterChange {class_id: $class_id})
WHERE r.at IS NOT NULL
WITH r ORDER BY r.at DESC, r.id
WITH collect(r) AS entries
RETURN size(entries) AS total,
       [r IN entries[$offset..($offset + $limit)] |
        r {.id, .at, .actor, .action, .class_id, .members, .added, .removed, .created, .class_created,
           .name, .name_before,
           added_ids: [(r)-[:ROSTER_ADDED]->(l:Learner) | l.id],
           removed_ids: [(r)-[:ROSTER_REMOVED]->(l:Learner) | l.id]}] AS items
