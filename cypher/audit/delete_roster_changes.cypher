// Deletes archived entries of the rosters' audit trail by id, with their ROSTER_ADDED and ROSTER_REMOVED
// relationships (the learners stay), only those older than $before, so an entry written while the archive
// ran is never deleted. Parameters: $ids (list of entry ids), $before (datetime).
// Returns: owner (class id), deleted (count), one row per class. Write.
UNWIND $ids AS id
MATCH (r:RosterChange {id: id})
WHERE r.at < $before
WITH r, r.class_id AS owner
DETACH DELETE r
RETURN owner, count(*) AS deleted
