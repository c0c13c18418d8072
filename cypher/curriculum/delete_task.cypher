// Deletes one task and its concept links. Parameters: $id. Returns: deleted (count). Write.
MATCH (t:Task {id: $id})
DETACH DELETE t
RETURN count(*) AS deleted
