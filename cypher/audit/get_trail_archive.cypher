// What was archived of the keys' or the rosters' trail (audit/record_trail_archive), for the key and roster
// audit routes: of one key or class ($owner), or of every owner of the trail ($owner null: every key's
// trail), the latest `before`, when the last archive ran and how many entries those archives hold.
// Parameters: $trail ('keys' or 'rosters'), $owner (string or null). Returns one row: before, archived_at
// (datetimes; null when none was archived), entries (int). Read.
OPTIONAL MATCH (x:TrailArchive {trail: $trail})
WHERE $owner IS NULL OR x.id = $trail + ':' + $owner
RETURN max(x.before) AS before, max(x.archived_at) AS archived_at, sum(coalesce(x.entries, 0)) AS entries
