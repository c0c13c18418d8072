// Tests only: entries of class rosters' audit trails with the times given (classes/create_roster_change
// stamps them by the clock), no learners linked, standing in for a long trail or one written long ago.
// Parameters: $rows (list of {id, class_id, at (datetime)}). Returns: created (count). Write. Not for
// production.
UNWIND $rows AS row
CREATE (r:RosterChange {id: row.id, class_id: row.class_id, action: 'replace', actor: 'tests', at: row.at,
                        members: 1, added: 1, removed: 0, created: 0, class_created: false})
RETURN count(r) AS created
