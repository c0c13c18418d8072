// The classes that have entries in the rosters' audit trail (by the entries' class_id: a deleted class's
// trail counts too), for `audit archive --trail rosters` to walk one at a time by the
// roster_change_class_at index. Parameters: none. Returns: owner (class id), one row each, in id order. Read.
MATCH (r:RosterChange)
WHERE r.class_id IS NOT NULL
RETURN DISTINCT r.class_id AS owner
ORDER BY owner
