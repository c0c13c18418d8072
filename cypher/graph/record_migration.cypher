// Records one applied migration, once: MERGE, so a process that applied the same (idempotent) migration
// after losing a race for the lock finds the record instead of failing on the unique version.
// Parameters: $version (int), $name, $checksum, $holder. Returns: version, applied_by (whoever recorded
// it first). Write.
MERGE (m:Migration {version: $version})
  ON CREATE SET m.name = $name, m.checksum = $checksum, m.applied_at = datetime(), m.applied_by = $holder
RETURN m.version AS version, m.applied_by AS applied_by
