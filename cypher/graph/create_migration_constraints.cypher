// Bootstrap for the migration runner itself: its lock and its records need unique keys before
// any migration can be recorded. Idempotent. Parameters: none. Write (schema).
CREATE CONSTRAINT migration_version IF NOT EXISTS FOR (m:Migration) REQUIRE m.version IS UNIQUE;
CREATE CONSTRAINT migration_lock_id IF NOT EXISTS FOR (l:MigrationLock) REQUIRE l.id IS UNIQUE;
