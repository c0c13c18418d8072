// The last version of a deleted concept or task whose id a create is about to use again (its RetiredId):
// the create continues from it (create_concept, create_task), and so must the create's audit entry.
// Parameters: $key ('concept:<id>' or 'task:<id>'). Returns: version (no row for an id never deleted). Read.
MATCH (gone:RetiredId {key: $key})
RETURN gone.version AS version
