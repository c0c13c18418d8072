// Takes the schema migration lock if it is free, expired, or already ours.
// The dummy write takes Neo4j's write lock on the node before its holder is read, so two
// concurrent callers cannot both see it free (no lost update).
// Parameters: $holder (string), $lease_s (int). Returns: holder (the holder after the call), lease_left_s
// (whole seconds until the holder's lease runs out, for a caller told to wait). Write.
MERGE (lock:MigrationLock {id: 'schema'})
SET lock.touched = true
WITH lock
WITH lock, (lock.holder IS NULL OR lock.expires_at < datetime() OR lock.holder = $holder) AS free
FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END |
  SET lock.holder = $holder, lock.expires_at = datetime() + duration({seconds: $lease_s}))
RETURN lock.holder AS holder, duration.inSeconds(datetime(), lock.expires_at).seconds AS lease_left_s
