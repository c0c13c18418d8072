// The API keys' audit trail of every key, newest first, a page at a time (auth/read_changes_of_key: one
// key's). The page walks the key_change_at index (V0018) backwards and stops after $offset + $limit entries;
// `total` comes from the label's count store, so neither reads the rest of the trail (the earlier form
// collected and sorted every entry for each page, and for one key's trail too, through an OR no index
// served). Every KeyChange has `at` (auth/create_key_change sets it), so the label's count is the trail's.
// Parameters: $offset, $limit. Returns: total (entries), items (list of maps: id, at, actor, action, key_id,
// key_name, role, classes, classes_before (null unless 'update')). Read.
CALL () {
  MATCH (c:KeyChange)
  RETURN count(c) AS total
}
CALL () {
  MATCH (c:KeyChange)
  WHERE c.at IS NOT NULL
  WITH c ORDER BY c.at DESC, c.id SKIP $offset LIMIT $limit
  RETURN collect(c {.id, .at, .actor, .action, .key_id, .key_name, .role, .classes, .classes_before}) AS items
}
RETURN total, items
