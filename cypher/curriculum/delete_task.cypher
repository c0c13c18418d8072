// Deletes one task and its concept links, keeping its last version as a RetiredId (see delete_concept).
// Parameters: $id. Returns: deleted (count). Write.
MATCH (t:Task {id: $id})
MERGE (r:RetiredId {key: 'task:' + t.id})
SET r.version = t.version
DETACH DELETE t
RETURN count(*) AS deleted
