// First half of the switch (same transaction as activate_transfer_model): every other current model
// becomes 'retired'. Parameters: $version (the one about to become current). Returns: retired (count). Write.
MATCH (m:TransferModel {status: 'current'})
WHERE m.version <> $version
SET m.status = 'retired', m.retired_at = datetime()
RETURN count(m) AS retired
