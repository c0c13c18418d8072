// Tests only: entries of the keys' audit trail with the times given (auth/create_key_change stamps them by
// the clock), standing in for a long trail or one written long ago. Parameters: $rows (list of {id, key_id,
// at (datetime)}). Returns: created (count). Write. Not for production.
UNWIND $rows AS row
CREATE (c:KeyChange {id: row.id, key_id: row.key_id, key_name: row.key_id, role: 'teacher', action: 'update',
                     actor: 'tests', at: row.at, classes: ['8B'], classes_before: ['7B']})
RETURN count(c) AS created
