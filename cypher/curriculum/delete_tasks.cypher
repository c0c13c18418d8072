// Deletes tasks by id (a cascade's orphaned tasks). Parameters: $ids (list). Returns: deleted (count). Write.
UNWIND $ids AS id
MATCH (t:Task {id: id})
DETACH DELETE t
RETURN count(*) AS deleted
