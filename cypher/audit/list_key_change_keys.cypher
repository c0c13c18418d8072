// The keys that have entries in the keys' audit trail (by the entries' key_id: a key deleted by hand
// counts too), for `audit archive --trail keys` to walk one at a time by the key_change_key_at index.
// Parameters: none. Returns: owner (key id), one row each, in id order. Read.
MATCH (c:KeyChange)
WHERE c.key_id IS NOT NULL
RETURN DISTINCT c.key_id AS owner
ORDER BY owner
