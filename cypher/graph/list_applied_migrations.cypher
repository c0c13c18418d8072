// Migrations recorded as applied. Parameters: none.
// Returns: version (int), name, checksum, applied_at. Read.
MATCH (m:Migration)
RETURN m.version AS version, m.name AS name, m.checksum AS checksum, m.applied_at AS applied_at
ORDER BY version
