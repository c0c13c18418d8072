// Tests only: forgets the RetiredId of a deleted concept or task, standing in for a delete made before
// RetiredId existed (migration V0010), whose only trace is the audit trail.
// Parameters: $key ('concept:<id>' or 'task:<id>'). Returns: deleted (count). Write. Not for production.
MATCH (r:RetiredId {key: $key})
DELETE r
RETURN count(*) AS deleted
