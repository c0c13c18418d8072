// First half of the switch (same transaction as activate_transfer_model): every other current model
// becomes 'retired', unless it was trained on newer data than the one about to become current (then
// nothing is retired, and activate_transfer_model refuses too). A model without data_at (published before
// it existed) counts as older. Nothing either unless the new one is still 'writing' (activate refuses the
// others). Parameters: $version (the one about to become current). Returns: retired (count). Write.
MATCH (new:TransferModel {version: $version})
WHERE new.status = 'writing' AND NOT EXISTS {
  MATCH (held:TransferModel {status: 'current'})
  WHERE held.version <> $version AND held.held_by IS NOT NULL
} AND NOT EXISTS {
  MATCH (newer:TransferModel {status: 'current'})
  WHERE newer.version <> $version AND newer.data_at > new.data_at
}
MATCH (m:TransferModel {status: 'current'})
WHERE m.version <> $version
SET m.status = 'retired', m.retired_at = datetime()
RETURN count(m) AS retired
