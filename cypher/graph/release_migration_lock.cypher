// Frees the schema migration lock if we hold it. Parameters: $holder. Returns nothing. Write.
MATCH (lock:MigrationLock {id: 'schema'})
WHERE lock.holder = $holder
SET lock.holder = null, lock.expires_at = null
