// One API key's audit trail, newest first, a page at a time (also for a key that no longer exists or never
// did: an empty trail). Both parts seek the key_change_key_at index (V0018) on the key's id: the page walks
// it backwards and stops after $offset + $limit entries (`c.key_id DESC` in the ORDER BY is what lets the
// planner take the index's order: with `c.at DESC` alone it sorted every entry of the key), and `total`
// counts index entries without reading a node. The hint: with two keys' trails of similar length, the
// planner scanned every key's entries by key_change_at and filtered them.
// Parameters: $key_id (string), $offset, $limit. Returns: total (entries of the key), items (list of maps:
// id, at, actor, action, key_id, key_name, role, classes, classes_before (null unless 'update')). Read.
CALL () {
  MATCH (c:KeyChange {key_id: $key_id}) USING INDEX SEEK c:KeyChange(key_id, at)
  WHERE c.at IS NOT NULL
  RETURN count(c) AS total
}
CALL () {
  MATCH (c:KeyChange {key_id: $key_id}) USING INDEX SEEK c:KeyChange(key_id, at)
  WHERE c.at IS NOT NULL
  WITH c ORDER BY c.key_id DESC, c.at DESC, c.id SKIP $offset LIMIT $limit
  RETURN collect(c {.id, .at, .actor, .action, .key_id, .key_name, .role, .classes, .classes_before}) AS items
}
RETURN total, items
