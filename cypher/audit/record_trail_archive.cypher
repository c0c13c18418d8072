// Notes on each key or class whose entries before $before were archived from the keys' or the rosters'
// trail (one TrailArchive node per owner, V0019; audit/record_audit_archive is the curricula's): the key and
// roster audit routes answer it as `archived`. `before` only moves later; `entries` adds up every run's
// deletes; `file` is the last run's.
// Parameters: $trail ('keys' or 'rosters'), $rows (list of {owner, deleted}), $before (datetime), $file
// (string). Returns: recorded (count). Write.
UNWIND $rows AS row
MERGE (x:TrailArchive {id: $trail + ':' + row.owner})
ON CREATE SET x.trail = $trail, x.owner = row.owner
SET x.before = CASE WHEN x.before IS NULL OR x.before < $before THEN $before ELSE x.before END,
    x.archived_at = datetime(),
    x.entries = coalesce(x.entries, 0) + row.deleted,
    x.file = $file
RETURN count(x) AS recorded
