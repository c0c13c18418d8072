// Marks tasks as changed (version + 1) after a cascade removed one of their concepts, so a client
// holding an old ETag cannot overwrite the new concept list. Parameters: $ids (list).
// Returns: bumped (count). Write.
UNWIND $ids AS id
MATCH (t:Task {id: id})
SET t.version = t.version + 1, t.updated_at = datetime()
RETURN count(t) AS bumped
