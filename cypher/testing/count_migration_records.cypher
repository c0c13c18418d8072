// Test support: how many records each migration version has. Parameters: none.
// Returns: version, records. Read.
MATCH (m:Migration)
RETURN m.version AS version, count(*) AS records
ORDER BY version
