// Records one applied migration. Parameters: $version (int), $name, $checksum, $holder.
// Returns: version. Write.
CREATE (m:Migration {version: $version, name: $name, checksum: $checksum,
                     applied_at: datetime(), applied_by: $holder})
RETURN m.version AS version
