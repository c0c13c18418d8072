// The API keys' audit trail, newest first, a page at a time: every key's changes, or one key's ($key_id not
// null; also a key that no longer exists or never did: an empty trail). Key changes are few (an admin's
// hand makes each), so the page is cut from the whole ordered trail, as classes/read_roster_changes does.
// Parameters: $key_id (string or null), $offset, $limit. Returns: total (entries matching), items (list of
// maps: id, at, actor, action, key_id, key_name, role, classes, classes_before (null unless 'update')). Read.
MATCH (c:KeyChange)
WHERE c.at IS NOT NULL AND ($key_id IS NULL OR c.key_id = $key_id)
WITH c ORDER BY c.at DESC, c.id
WITH collect(c) AS entries
RETURN size(entries) AS total,
       [c IN entries[$offset..($offset + $limit)] |
        c {.id, .at, .actor, .action, .key_id, .key_name, .role, .classes, .classes_before}] AS items
