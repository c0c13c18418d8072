// Second half of the switch: the version becomes current. Readers follow the current pointer, so they
// see all of the old model or all of the new one. Parameters: $version. Returns: version, status. Write.
MATCH (m:TransferModel {version: $version})
SET m.status = 'current', m.activated_at = datetime()
RETURN m.version AS version, m.status AS status
