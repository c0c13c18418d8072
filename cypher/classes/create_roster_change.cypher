// Records one change of a class's roster in its audit trail, in the transaction that made it (after
// classes/replace_class_learners or classes/delete_class, which hold the class's lock, so entries of one
// class are stamped in commit order by the clock, datetime.realtime(), not the statement's start). Its
// learners are relationships, not ids in a property: an erase (DETACH DELETE of the learner) removes them
// from every entry, as it must, and leaves the counts.
// Parameters: $id (string), $class_id, $action ('replace', 'delete' or 'rename'), $actor (the key's name
// and id), $members (count after), $added_ids and $removed_ids (lists of learner ids, stored learners),
// $created (count of learners the roster created), $class_created (boolean), $name and $name_before (the
// class's name after and before a 'rename'; on a 'delete', $name_before is the name the class had; null
// otherwise, and then not stored). Returns: id, at. Write.
CREATE (r:RosterChange {id: $id, class_id: $class_id, action: $action, actor: $actor, at: datetime.realtime(),
                        members: $members, added: size($added_ids), removed: size($removed_ids),
                        created: $created, class_created: $class_created, name: $name,
                        name_before: $name_before})
WITH r
CALL (r) {
  UNWIND $added_ids AS learner_id
  MATCH (l:Learner {id: learner_id})
  CREATE (r)-[:ROSTER_ADDED]->(l)
  RETURN count(*) AS linked_added
}
CALL (r) {
  UNWIND $removed_ids AS learner_id
  MATCH (l:Learner {id: learner_id})
  CREATE (r)-[:ROSTER_REMOVED]->(l)
  RETURN count(*) AS linked_removed
}
RETURN r.id AS id, r.at AS at
