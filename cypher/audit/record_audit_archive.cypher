// Notes on each curriculum that its entries before $before were archived (one AuditArchive node per
// curriculum, V0017): the audit routes show it, so a trail never reads as beginning at its oldest remaining
// entry. `before` only moves later; `entries` adds up every run's deletes; `file` is the last run's.
// Parameters: $rows (list of {curriculum_id, deleted}), $before (datetime), $file (string).
// Returns: recorded (count). Write.
UNWIND $rows AS row
MERGE (x:AuditArchive {curriculum_id: row.curriculum_id})
SET x.before = CASE WHEN x.before IS NULL OR x.before < $before THEN $before ELSE x.before END,
    x.archived_at = datetime(),
    x.entries = coalesce(x.entries, 0) + row.deleted,
    x.file = $file
RETURN count(x) AS recorded
