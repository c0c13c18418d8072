// Deletes archived entries of the keys' audit trail by id, only those older than $before, so an entry
// written while the archive ran is never deleted. Parameters: $ids (list of entry ids), $before (datetime).
// Returns: owner (key id), deleted (count), one row per key. Write.
UNWIND $ids AS id
MATCH (c:KeyChange {id: id})
WHERE c.at < $before
WITH c, c.key_id AS owner
DETACH DELETE c
RETURN owner, count(*) AS deleted
