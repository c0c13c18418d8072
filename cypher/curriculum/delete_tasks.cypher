// Deletes tasks by id (a cascade's orphaned tasks), keeping each one's last version as a RetiredId (see
// delete_concept). Parameters: $ids (list). Returns: deleted (count). Write.
UNWIND $ids AS id
MATCH (t:Task {id: id})
MERGE (r:RetiredId {key: 'task:' + t.id})
SET r.version = t.version
DETACH DELETE t
RETURN count(*) AS deleted
